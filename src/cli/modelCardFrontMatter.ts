import { parseDocument } from "yaml";

import { REGISTRATION_YAML } from "./registrationYaml.js";
import { CliError } from "./shared.js";

export type ModelCardParts = {
  /** The YAML front matter as a mapping. */
  frontMatter: Record<string, unknown>;
  /** The markdown after the front matter. */
  body: string;
};

/**
 * Splits a Hugging Face model card (README.md) into its YAML front matter (the block between `---` lines at the very
 * top) and its markdown body. A card without front matter, or whose front matter is not a YAML mapping, is refused:
 * the registration would have nothing to read.
 */
export function splitModelCard(text: string, source: string): ModelCardParts {
  const match = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n?^---[ \t]*$(?:\r?\n)?/m.exec(text);
  if (!match || match.index !== 0)
    throw new CliError(
      `${source} has no YAML front matter (a block between "---" lines at the top, with base_model, license, ...): ` +
        "is it a Hugging Face model card? Register with flags or a manifest file instead.",
    );
  const document = parseDocument(match[1]!, { ...REGISTRATION_YAML, prettyErrors: false });
  const error = document.errors[0];
  if (error) {
    // The front matter starts on the card's second line: report the line of the card, as an editor shows it.
    const line = match[1]!.slice(0, error.pos[0]).split("\n").length + 1;
    const where = ` at line ${line}`;
    throw new CliError(
      `${source}: the YAML front matter does not parse${where}: ${error.message.split("\n")[0]} (fix the YAML between the "---" lines).`,
    );
  }
  // An empty block ("---" twice) is a card with no metadata yet: flags may still say everything.
  const frontMatter: unknown = document.toJS() ?? {};
  if (typeof frontMatter !== "object" || frontMatter === null || Array.isArray(frontMatter))
    throw new CliError(`${source}: the YAML front matter is not a mapping of fields (base_model: ..., license: ...).`);
  return { frontMatter: frontMatter as Record<string, unknown>, body: text.slice(match[0].length) };
}
