/**
 * The card binding: a model's authors prove that they control its repository by naming their steward address in it,
 * either in the model card's front matter (`stemma: { steward: "0x..." }`) or in a `stemma.json` file next to the
 * card (`{ "steward": "0x..." }`). Attesters read it (`stemma attest`), stewards check it (`stemma verify`).
 *
 * Locally the repositories are a card folder, a mirror of the hub's layout: `<dir>/<org>/<name>/README.md` (and
 * `stemma.json`) for the key `hf:org/name`.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { keccak256, type Address, type Hex } from "viem";

import { fieldOf, readAddress, readObject } from "./manifestFields.js";
import { STEMMA_FIELDS } from "./modelCard.js";
import { splitModelCard } from "./modelCardFrontMatter.js";
import { CliError } from "./shared.js";

/** The card itself and the small file next to it that may name the steward instead. */
export const CARD_FILE = "README.md";
export const BINDING_FILE = "stemma.json";

export type CardBinding = {
  /** The repository's folder in the mirror. */
  folder: string;
  /** The steward the repository names, if it names one. */
  steward: Address | undefined;
  /** The file that names it (or the card, when none does): its keccak256 is the revision attesters sign. */
  file: string;
  /** keccak256 of that file's bytes. */
  revision: Hex;
};

/** `hf:org/name` as its two path parts; other kinds of key have no repository an attester can read. */
export function repositoryOf(key: string): [org: string, name: string] {
  const match = /^hf:([^/\s]+)\/([^/\s]+)$/.exec(key);
  if (!match || match[1] === "." || match[1] === ".." || match[2] === "." || match[2] === "..")
    throw new CliError(`${key} is not a Hugging Face key (hf:org/name): only those name a repository to read.`);
  return [match[1]!, match[2]!];
}

/** A folder's entry named `name`, exactly or else ignoring case (the hub's repository ids are case-insensitive). */
async function entryOf(folder: string, name: string): Promise<string | undefined> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.find((entry) => entry === name) ?? names.find((entry) => entry.toLowerCase() === name.toLowerCase());
}

/** The repository folder of `key` in the card folder `dir`, or an error naming where the card should be. */
export async function repositoryFolder(dir: string, key: string): Promise<string> {
  const [org, name] = repositoryOf(key);
  const orgEntry = await entryOf(dir, org);
  const nameEntry = orgEntry === undefined ? undefined : await entryOf(join(dir, orgEntry), name);
  if (orgEntry === undefined || nameEntry === undefined)
    throw new CliError(
      `no model card for ${key} in ${dir}: expected ${join(dir, org, name, CARD_FILE)} (a mirror of the repository).`,
    );
  return join(dir, orgEntry, nameEntry);
}

const readText = (path: string) => readFile(path, "utf8").catch(() => undefined);

/**
 * The steward a card's front matter names in its `stemma:` section. The section's other fields are the registration's
 * (not read here), but an unknown one is refused, so that a slip such as `stewart:` is caught rather than ignored.
 */
function stewardOfCard(text: string, source: string): Address | undefined {
  // A card without front matter names no steward (stemma.json may).
  if (!/^\uFEFF?---/.test(text)) return undefined;
  const { frontMatter } = splitModelCard(text, source);
  if (frontMatter.stemma === undefined || frontMatter.stemma === null) return undefined;
  const context = { source, path: "stemma" };
  const { steward } = readObject(frontMatter.stemma, context, STEMMA_FIELDS);
  return steward === undefined ? undefined : readAddress(steward, fieldOf(context, "steward"));
}

/** The steward `stemma.json` names: `{ "steward": "0x..." }`. */
function stewardOfBindingFile(text: string, source: string): Address {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${source} is not JSON (${(error as Error).message}): write it as {"steward": "0x..."}.`);
  }
  const entry = readObject(value, { source, path: "" }, ["steward"]);
  if (entry.steward === undefined) throw new CliError(`${source} names no steward: write it as {"steward": "0x..."}.`);
  return readAddress(entry.steward, { source, path: "steward" });
}

/**
 * Reads what the repository of `key` in the card folder `dir` says about its steward. The card and `stemma.json`
 * may both name one only if they agree.
 */
export async function readCardBinding(dir: string, key: string): Promise<CardBinding> {
  const folder = await repositoryFolder(dir, key);
  const cardPath = join(folder, CARD_FILE);
  const bindingPath = join(folder, BINDING_FILE);
  const [card, binding] = await Promise.all([readText(cardPath), readText(bindingPath)]);
  if (card === undefined && binding === undefined)
    throw new CliError(`no model card for ${key}: ${cardPath} does not exist (nor ${BINDING_FILE} next to it).`);
  const fromCard = card === undefined ? undefined : stewardOfCard(card, cardPath);
  const fromFile = binding === undefined ? undefined : stewardOfBindingFile(binding, bindingPath);
  if (fromCard && fromFile && fromCard !== fromFile)
    throw new CliError(
      `${key}'s repository names two stewards: ${fromCard} in ${cardPath} and ${fromFile} in ${bindingPath}: its authors must keep one.`,
    );
  const [file, text] = fromFile || card === undefined ? [bindingPath, binding!] : [cardPath, card];
  return { folder, steward: fromFile ?? fromCard, file, revision: keccak256(Buffer.from(text, "utf8")) };
}

/** What a steward adds to the repository so that attesters can confirm them: either form works. */
export function bindingInstructions(key: string, steward: Address): string[] {
  const [org, name] = repositoryOf(key);
  return [
    `Add this to the front matter of ${org}/${name}'s model card (${CARD_FILE}, between the "---" lines):`,
    "",
    "  stemma:",
    `    steward: "${steward}"`,
    "",
    `or commit a file ${BINDING_FILE} next to it:`,
    "",
    `  {"steward": "${steward}"}`,
  ];
}
