import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";

import { Relation, Role, ZERO_ADDRESS } from "../core/constants.js";
import { InvalidModelKeyError } from "../core/errors.js";
import { fieldReaders, type FieldProblem } from "../core/fieldReaders.js";
import { canonicalKey } from "../core/canonicalKey.js";
import { validateKey } from "../core/validateKey.js";
import { CliError } from "./shared.js";

/**
 * Readers for the fields of a registration as people write it (manifest files, a model card's `stemma:` section):
 * each takes the raw value and the field's path (`contributors[2].weight`) and either returns the resolved value or
 * throws a one-line CliError that names the source, the path, what was wrong and how to write it instead.
 */
export type FieldContext = {
  /** Names the whole input in errors: a file path, "flags", "README.md (stemma: section)". */
  source: string;
  /** The field's path inside the input, e.g. `parents[0].relation`; "" for the input itself. */
  path: string;
};

/** A context for a field of the object at `context`. */
export const fieldOf = (context: FieldContext, name: string | number): FieldContext => ({
  source: context.source,
  path: typeof name === "number" ? `${context.path}[${name}]` : context.path ? `${context.path}.${name}` : name,
});

/** Throws the one-line error for a field: "<source>: <path> <problem>". */
export function fieldError(context: FieldContext, problem: string): never {
  throw new CliError(`${context.source}: ${context.path || "the input"} ${problem}`);
}

const describe = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "a list"
      : typeof value === "object"
        ? "a mapping"
        : typeof value === "string"
          ? `"${value}"`
          : String(value);

/** "is missing" or "is <value>, not text", then how to write it. */
const notText = (value: unknown, example: string | undefined): string =>
  value === undefined
    ? `is missing: write it like ${example}.`
    : `is ${describe(value)}, not text: write it like ${example}.`;

/** The generic readers' refusals in the CLI's words: "<source>: <path> <problem and how to write it instead>". */
function report(context: FieldContext, problem: FieldProblem): never {
  switch (problem.kind) {
    case "notMapping":
      return fieldError(
        context,
        `is ${describe(problem.value)}, not a mapping of fields (${problem.allowed.join(", ")}).`,
      );
    case "unknownField": {
      const suggestion = closestName(problem.field, problem.allowed);
      return fieldError(
        fieldOf(context, problem.field),
        `is not a known field${suggestion ? ` (did you mean "${suggestion}"?)` : ""}: the fields are ${problem.allowed.join(", ")}.`,
      );
    }
    case "notList":
      return fieldError(context, `is ${describe(problem.value)}, not a list.`);
    case "tooFewEntries":
      return fieldError(context, `needs at least ${problem.min} entries.`);
    case "notText":
      return fieldError(context, notText(problem.value, problem.example));
    case "notBoolean":
      return fieldError(context, `is ${describe(problem.value)}: write true or false.`);
    case "percentNotText":
      return fieldError(
        context,
        typeof problem.value === "number"
          ? `is the number ${problem.value}: write a percentage with a % sign, e.g. "${problem.value}%" or "20%".`
          : notText(problem.value, '"12.5%"'),
      );
    case "notPercent":
      return fieldError(
        context,
        `"${problem.text}" is not a percentage between 0% and 100% with at most 4 decimals (e.g. "12.5%").`,
      );
    case "notName": {
      const names = problem.names.map((name) => name.toLowerCase());
      return fieldError(
        context,
        typeof problem.value === "string"
          ? `"${problem.value}" is not one of ${names.join(", ")}.`
          : notText(problem.value, names[0]),
      );
    }
  }
}

const read = fieldReaders<FieldContext>(report);

/** A plain object (a YAML mapping), with every key in `allowed`; a typo is refused with a suggestion. */
export const readObject = (
  value: unknown,
  context: FieldContext,
  allowed: readonly string[],
): Record<string, unknown> => read.object(value, context, allowed);

/** The allowed name `name` is most likely a slip for: within two edits, or one extending the other (case-insensitive). */
function closestName(name: string, allowed: readonly string[]): string | undefined {
  const written = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const known = candidate.toLowerCase();
    const extends_ = written.length >= 3 && (known.startsWith(written) || written.startsWith(known));
    const distance = extends_ ? 0 : editDistance(written, known);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** A list (a YAML sequence). */
export const readList = (value: unknown, context: FieldContext): unknown[] => read.list(value, context);

/** A string; `example` shows how to write it. */
export const readString = (value: unknown, context: FieldContext, example: string): string =>
  read.text(value, context, { example });

/** true or false (YAML `yes`/`no` are text in YAML 1.2 and refused, not guessed). */
export const readBoolean = (value: unknown, context: FieldContext): boolean => read.boolean(value, context);

/** A percentage ("12.5%") in ppm. A bare number is refused: 0.2 and 20 would both be plausible. */
export const readPercent = (value: unknown, context: FieldContext): number => read.percent(value, context);

/** A model key as written, made canonical ({@link canonicalKey}: `HF:Org/Name` is `hf:org/name`) and checked. */
export function readKey(value: unknown, context: FieldContext): string {
  const key = canonicalKey(readString(value, context, '"hf:org/name"'));
  try {
    validateKey(key);
  } catch (error) {
    if (!(error instanceof InvalidModelKeyError)) throw error;
    fieldError(
      context,
      `${error.shortMessage.replace(/\.$/, "")}: a key is 1-128 printable ASCII bytes, e.g. "hf:org/name".`,
    );
  }
  return key;
}

/** An address, checksummed or all lowercase, not zero; returned checksummed. */
export function readAddress(value: unknown, context: FieldContext): Address {
  const text = readString(value, context, '"0x" and 40 hex digits');
  if (!isAddress(text, { strict: false }))
    fieldError(context, `"${text}" is not an address: write "0x" followed by 40 hex digits.`);
  if (text !== text.toLowerCase() && !isAddress(text, { strict: true }))
    fieldError(context, `"${text}" has a wrong checksum (mixed case): check it for a typo, or write it all lowercase.`);
  const address = getAddress(text);
  if (address === ZERO_ADDRESS) fieldError(context, `is the zero address, which the registry refuses.`);
  return address;
}

/** A 32-byte hex digest. */
export function readDigest(value: unknown, context: FieldContext): Hex {
  const text = readString(value, context, '"0x" and 64 hex digits');
  if (!isHex(text, { strict: true }) || text.length !== 66)
    fieldError(context, `"${text}" is not a 32-byte digest: write "0x" followed by 64 hex digits.`);
  return text.toLowerCase() as Hex;
}

/** A `Relation` by name (finetune, adapter, quantized, merge, distill, other): case and `-`/space vs `_` do not matter. */
export const readRelation = (value: unknown, context: FieldContext): number =>
  read.name(value, context, Relation, { loose: true });

/** A `Role` by name (pretraining_compute, data_curation, ...): case and `-`/space vs `_` do not matter. */
export const readRole = (value: unknown, context: FieldContext): number =>
  read.name(value, context, Role, { loose: true });
