import { InvalidPercentError } from "./errors.js";
import { parsePercent } from "./percent.js";

/**
 * Readers for the fields of a parsed YAML or JSON document (registration manifests, a model card's `stemma:`
 * section, simulator scenarios). Each checks one value's shape and returns it typed, or hands a {@link FieldProblem}
 * to the caller's `report`, which words it and throws: the readers decide what is accepted, the caller how a
 * refusal reads and where (`Path` is whatever the caller locates a field with).
 */

/** Why a field's value was refused, with the value (or text) that was. */
export type FieldProblem =
  | { kind: "notMapping"; value: unknown; allowed: readonly string[] }
  | { kind: "unknownField"; field: string; allowed: readonly string[] }
  | { kind: "notList"; value: unknown }
  | { kind: "tooFewEntries"; min: number }
  /**
   * Not a string (`undefined` when the field is missing), or a blank one where text is required; `example` is the
   * reader's caller's hint at how to write it.
   */
  | { kind: "notText"; value: unknown; example?: string | undefined }
  | { kind: "notBoolean"; value: unknown }
  /** A percentage must be written as text ("12.5%"). */
  | { kind: "percentNotText"; value: unknown }
  /** The text is not a percentage `parsePercent` accepts; `error` words it, calling the value "the share". */
  | { kind: "notPercent"; text: string; error: InvalidPercentError }
  /** Not one of an enum's names; `names` are the enum's keys as written in its definition. */
  | { kind: "notName"; value: unknown; names: readonly string[] };

/** Words a problem for the field at `path` and throws. */
export type ReportFieldProblem<Path> = (path: Path, problem: FieldProblem) => never;

export type FieldReaders<Path> = {
  /** A plain object (a YAML mapping) whose keys are all in `allowed` (a typo is refused, not ignored). */
  object(value: unknown, path: Path, allowed: readonly string[]): Record<string, unknown>;
  /** A list (a YAML sequence) of at least `min` entries. */
  list(value: unknown, path: Path, options?: { min?: number }): unknown[];
  /** A string; with `nonBlank`, one with something besides spaces. `example` is passed on with a refusal. */
  text(value: unknown, path: Path, options?: { nonBlank?: boolean; example?: string }): string;
  /** `true` or `false` (YAML 1.2: `yes` and `no` are text, and refused). */
  boolean(value: unknown, path: Path): boolean;
  /** A share written as a percentage ("12.5%", at most 4 decimals, 0%-100%), in ppm. */
  percent(value: unknown, path: Path): number;
  /**
   * One of an enum's names, as its value. Names match exactly, or with `loose` whatever the case, with `-` or
   * spaces for `_` ("data-curation" is `DATA_CURATION`).
   */
  name(value: unknown, path: Path, values: Readonly<Record<string, number>>, options?: { loose?: boolean }): number;
};

/**
 * The readers, reporting every refusal through `report`.
 *
 * @example
 * import { fieldReaders } from "./fieldReaders.js";
 * const read = fieldReaders<string>((path, problem) => {
 *   throw new Error(`${path}: ${problem.kind}`);
 * });
 * read.percent("12.5%", "upstream"); // 125_000
 * read.name("finetune", "relation", Relation, { loose: true }); // Relation.FINETUNE
 */
export function fieldReaders<Path>(report: ReportFieldProblem<Path>): FieldReaders<Path> {
  return {
    object(value, path, allowed) {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        report(path, { kind: "notMapping", value, allowed });
      const record = value as Record<string, unknown>;
      const unknown = Object.keys(record).find((field) => !allowed.includes(field));
      if (unknown !== undefined) report(path, { kind: "unknownField", field: unknown, allowed });
      return record;
    },
    list(value, path, { min = 0 } = {}) {
      if (!Array.isArray(value)) report(path, { kind: "notList", value });
      if (value.length < min) report(path, { kind: "tooFewEntries", min });
      return value;
    },
    text(value, path, { nonBlank = false, example } = {}) {
      if (typeof value !== "string" || (nonBlank && value.trim() === ""))
        report(path, { kind: "notText", value, example });
      return value;
    },
    boolean(value, path) {
      if (typeof value !== "boolean") report(path, { kind: "notBoolean", value });
      return value;
    },
    percent(value, path) {
      if (typeof value !== "string") report(path, { kind: "percentNotText", value });
      try {
        return parsePercent(value, "the share");
      } catch (error) {
        if (!(error instanceof InvalidPercentError)) throw error;
        report(path, { kind: "notPercent", text: value, error });
      }
    },
    name(value, path, values, { loose = false } = {}) {
      const key =
        typeof value !== "string"
          ? undefined
          : loose
            ? value
                .trim()
                .replace(/[\s-]+/g, "_")
                .toUpperCase()
            : value;
      // `in` alone would accept inherited names such as "toString".
      if (key === undefined || !Object.hasOwn(values, key))
        report(path, { kind: "notName", value, names: Object.keys(values) });
      return values[key]!;
    },
  };
}
