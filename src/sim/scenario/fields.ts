/**
 * Readers for one field of a parsed scenario document each: they check the value's shape and throw a
 * {ScenarioError} naming the field's path and what to write instead.
 */
import { parseUnits } from "viem";

import { parsePercent } from "../../core/percent.js";
import { ScenarioError } from "./scenarioError.js";

export type Fields = Record<string, unknown>;

const show = (value: unknown) => (typeof value === "string" ? `"${value}"` : JSON.stringify(value));

/** An object with only the given keys (a typo in a key is an error, not a silently ignored field). */
export function readObject(value: unknown, path: string, allowed: readonly string[]): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ScenarioError(path, `expected a mapping with the fields ${allowed.join(", ")}, got ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ScenarioError(path, `unknown field "${key}" (the fields are ${allowed.join(", ")})`);
    }
  }
  return value as Fields;
}

export function readList(value: unknown, path: string, { min = 0 } = {}): unknown[] {
  if (!Array.isArray(value)) throw new ScenarioError(path, `expected a list, got ${show(value)}`);
  if (value.length < min) throw new ScenarioError(path, `needs at least ${min} entr${min === 1 ? "y" : "ies"}`);
  return value;
}

/** A string, or a list of strings: always a list. */
export function readNames(value: unknown, path: string): string[] {
  const list = typeof value === "string" ? [value] : readList(value, path, { min: 1 });
  return list.map((item, i) => readString(item, typeof value === "string" ? path : `${path}[${i}]`));
}

export function readString(value: unknown, path: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ScenarioError(path, `expected a non-empty text, got ${show(value)}`);
  }
  return value;
}

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

export function readBoolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") throw new ScenarioError(path, `expected true or false, got ${show(value)}`);
  return value;
}

/** A share written as a percentage ("12.5%"), in ppm. */
export function readPercent(value: unknown, path: string): number {
  if (typeof value !== "string") {
    throw new ScenarioError(path, `expected a percentage in quotes such as "12.5%", got ${show(value)}`);
  }
  try {
    return parsePercent(value, "the share");
  } catch (error) {
    throw new ScenarioError(path, (error as Error).message);
  }
}

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

/** One of an enum's names (Relation, Role), as its value. */
export function readEnum(value: unknown, path: string, values: Readonly<Record<string, number>>): number {
  if (typeof value === "string" && value in values) return values[value]!;
  throw new ScenarioError(path, `expected one of ${Object.keys(values).join(", ")}, got ${show(value)}`);
}
