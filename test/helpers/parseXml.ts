/** An XML element as {@link parseXml} reads it. */
export type XmlElement = {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text, entities decoded. */
  text: string;
};

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);/y;
const DECODE: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * A strict parser for the XML subset charts are written in (a prolog, comments, elements, attributes, text and
 * entity references): throws on anything that is not well-formed, such as a mismatched tag, an unquoted or
 * repeated attribute, a bare `&` or `<` in text, or content after the root element.
 */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`not well-formed XML at offset ${at}: ${what} (near ${JSON.stringify(source.slice(at, at + 40))})`);
  };
  const skipSpace = () => {
    while (at < source.length && /\s/.test(source[at]!)) at++;
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith("<!--", at)) {
        const end = source.indexOf("-->", at + 4);
        if (end < 0) fail("an unclosed comment");
        at = end + 3;
      } else return;
    }
  };
  const name = (): string => {
    NAME.lastIndex = at;
    const match = NAME.exec(source);
    if (!match) return fail("expected a name");
    at += match[0].length;
    return match[0];
  };
  const decode = (raw: string): string => {
    let out = "";
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === "<") fail("a bare < in text or an attribute");
      if (c !== "&") {
        out += c;
        continue;
      }
      ENTITY.lastIndex = i;
      const match = ENTITY.exec(raw);
      if (!match) fail(`a bare & or an unknown entity in ${JSON.stringify(raw.slice(i, i + 12))}`);
      const body = match![0].slice(1, -1);
      out += body.startsWith("#x")
        ? String.fromCodePoint(parseInt(body.slice(2), 16))
        : body.startsWith("#")
          ? String.fromCodePoint(Number(body.slice(1)))
          : DECODE[body]!;
      i += match![0].length - 1;
    }
    return out;
  };
  const element = (): XmlElement => {
    if (source[at] !== "<") fail("expected an element");
    at++;
    const node: XmlElement = { name: name(), attributes: {}, children: [], text: "" };
    for (;;) {
      const before = at;
      skipSpace();
      if (source.startsWith("/>", at)) {
        at += 2;
        return node;
      }
      if (source[at] === ">") {
        at++;
        break;
      }
      if (at === before) fail("expected a space before an attribute");
      const attribute = name();
      if (attribute in node.attributes) fail(`attribute ${attribute} is repeated`);
      skipSpace();
      if (source[at] !== "=") fail(`attribute ${attribute} has no value`);
      at++;
      skipSpace();
      const quote = source[at];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attribute}'s value is not quoted`);
      const end = source.indexOf(quote!, at + 1);
      if (end < 0) fail("an unterminated attribute value");
      node.attributes[attribute] = decode(source.slice(at + 1, end));
      at = end + 1;
    }
    for (;;) {
      const next = source.indexOf("<", at);
      if (next < 0) fail(`<${node.name}> is never closed`);
      node.text += decode(source.slice(at, next));
      at = next;
      if (source.startsWith("<!--", at)) {
        skipMisc();
      } else if (source.startsWith("</", at)) {
        at += 2;
        const closing = name();
        if (closing !== node.name) fail(`</${closing}> closes <${node.name}>`);
        skipSpace();
        if (source[at] !== ">") fail("expected >");
        at++;
        return node;
      } else node.children.push(element());
    }
  };

  if (source.startsWith("<?xml", at)) {
    const end = source.indexOf("?>", at);
    if (end < 0) fail("an unclosed XML declaration");
    at = end + 2;
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (at !== source.length) fail("content after the root element");
  return root;
}

/** Every element of the tree, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}
