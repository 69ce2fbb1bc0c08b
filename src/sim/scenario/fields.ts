/**
 * Readers for one field of a parsed scenario document each: they check the value's shape and throw a
 * {ScenarioError} naming the field's path and what to write instead.
 */
import { parseUnits } from "viem";

import { fieldReaders, type FieldProblem } from "../../core/fieldReaders.js";
import { ScenarioError } from "./scenarioError.js";

export type Fields = Record<string, unknown>;

const show = (value: unknown) => (typeof value === "string" ? `"${value}"` : JSON.stringify(value));

/** The generic readers' refusals in the scenario's words: "<path>: expected ..., got ...". */
function report(path: string, problem: FieldProblem): never {
  switch (problem.kind) {
    case "notMapping":
      throw new ScenarioError(
        path,
        `expected a mapping with the fields ${problem.allowed.join(", ")}, got ${show(problem.value)}`,
      );
    case "unknownField":
      throw new ScenarioError(path, `unknown field "${problem.field}" (the fields are ${problem.allowed.join(", ")})`);
    case "notList":
      throw new ScenarioError(path, `expected a list, got ${show(problem.value)}`);
    case "tooFewEntries":
      throw new ScenarioError(path, `needs at least ${problem.min} entr${problem.min === 1 ? "y" : "ies"}`);
    case "notText":
      throw new ScenarioError(path, `expected a non-empty text, got ${show(problem.value)}`);
    case "notBoolean":
      throw new ScenarioError(path, `expected true or false, got ${show(problem.value)}`);
    case "percentNotText":
      throw new ScenarioError(path, `expected a percentage in quotes such as "12.5%", got ${show(problem.value)}`);
    case "notPercent":
      throw new ScenarioError(path, problem.error.message);
    case "notName":
      throw new ScenarioError(path, `expected one of ${problem.names.join(", ")}, got ${show(problem.value)}`);
  }
}

const read = fieldReaders<string>(report);

/** An object with only the given keys (a typo in a key is an error, not a silently ignored field). */
export const readObject = (value: unknown, path: string, allowed: readonly string[]): Fields =>
  read.object(value, path, allowed);

export const readList = (value: unknown, path: string, options: { min?: number } = {}): unknown[] =>
  read.list(value, path, options);

/** A string, or a list of strings: always a list. */
export function readNames(value: unknown, path: string): string[] {
  const list = typeof value === "string" ? [value] : readList(value, path, { min: 1 });
  return list.map((item, i) => readString(item, typeof value === "string" ? path : `${path}[${i}]`));
}

export const readString = (value: unknown, path: string): string => read.text(value, path, { nonBlank: true });

export function readInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ScenarioError(path, `expected a whole number from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

export function readNumber(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new ScenarioError(path, `expected a number from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

export const readBoolean = (value: unknown, path: string): boolean => read.boolean(value, path);

/** A share written as a percentage ("12.5%"), in ppm. */
export const readPercent = (value: unknown, path: string): number => read.percent(value, path);

/** An amount in whole tokens ("0.25" or 0.25), in base units. */
export function readAmount(value: unknown, path: string, decimals: number, symbol: string): bigint {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^\d+(\.\d+)?$/.test(text.trim())) {
    throw new ScenarioError(path, `expected an amount of ${symbol} such as "0.25", got ${show(value)}`);
  }
  const [, fraction = ""] = text.trim().split(".");
  if (fraction.length > decimals) {
    throw new ScenarioError(path, `${text} has more decimals than ${symbol}'s ${decimals}`);
  }
  return parseUnits(text.trim(), decimals);
}

/** One of an enum's names (Relation, Role), written exactly, as its value. */
export const readEnum = (value: unknown, path: string, values: Readonly<Record<string, number>>): number =>
  read.name(value, path, values);
