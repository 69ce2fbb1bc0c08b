import { MAX_CONTRIBUTORS, MAX_PARENTS, PPM } from "../core/constants.js";
import type { Contributor, Terms } from "../core/types.js";
import type { RegistrationManifest } from "./manifest.js";
import {
  fieldError,
  fieldOf,
  readAddress,
  readBoolean,
  readKey,
  readList,
  readObject,
  readPercent,
  readRelation,
  readRole,
  type FieldContext,
} from "./manifestFields.js";
import { formatPercent } from "../core/percent.js";

/**
 * The parts of a registration that manifest files and a model card's `stemma:` section share, read from human
 * units and checked the way the registry will check them, so a mistake is reported with its field path before any
 * transaction is sent.
 */

/** Open terms: derivatives allowed, no minimum share. What a registration gets when it says nothing. */
export const DEFAULT_TERMS: Terms = { derivativesAllowed: true, minDerivativePpm: 0 };

/** Throws unless the weights sum to exactly 100%, saying what they sum to. */
export function checkWeightsSum(weights: readonly number[], context: FieldContext, field: string): void {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total !== Number(PPM))
    fieldError(
      context,
      `weights sum to ${formatPercent(total)}, not 100%: adjust the ${field} so they add up to exactly 100%.`,
    );
}

/** `contributors: [{ account, role, weight }]`: 1 to 1000 entries, positive weights summing to 100%. */
export function readContributors(value: unknown, context: FieldContext): Contributor[] {
  const list = readList(value, context);
  if (list.length === 0 || list.length > MAX_CONTRIBUTORS)
    fieldError(context, `has ${list.length} entries: a model has 1 to ${MAX_CONTRIBUTORS} contributors.`);
  const seen = new Map<string, number>();
  const contributors = list.map((raw, index) => {
    const at = fieldOf(context, index);
    const entry = readObject(raw, at, ["account", "role", "weight"]);
    const contributor: Contributor = {
      account: readAddress(entry.account, fieldOf(at, "account")),
      role: readRole(entry.role, fieldOf(at, "role")),
      weightPpm: readPercent(entry.weight, fieldOf(at, "weight")),
    };
    if (contributor.weightPpm === 0)
      fieldError(fieldOf(at, "weight"), "is 0%, which the registry refuses: remove the entry or give it a share.");
    // The same account may hold several roles, but the same account and role twice is a copy-paste slip.
    const identity = `${contributor.account}:${contributor.role}`;
    const first = seen.get(identity);
    if (first !== undefined)
      fieldError(at, `repeats ${context.path}[${first}] (same account and role): merge their weights into one entry.`);
    seen.set(identity, index);
    return contributor;
  });
  checkWeightsSum(
    contributors.map((contributor) => contributor.weightPpm),
    context,
    `${context.path}[*].weight`,
  );
  return contributors;
}

/**
 * `parents: [{ key, relation, weight }]`: at most 16, no key twice, positive weights summing to 100%. A single
 * parent may leave out its weight (it gets 100%).
 */
export function readParents(value: unknown, context: FieldContext): RegistrationManifest["parents"] {
  const list = readList(value, context);
  if (list.length > MAX_PARENTS)
    fieldError(context, `has ${list.length} entries: a model has at most ${MAX_PARENTS} parents.`);
  const seen = new Map<string, number>();
  const parents = list.map((raw, index) => {
    const at = fieldOf(context, index);
    const entry = readObject(raw, at, ["key", "relation", "weight"]);
    const key = readKey(entry.key, fieldOf(at, "key"));
    const first = seen.get(key);
    if (first !== undefined)
      fieldError(fieldOf(at, "key"), `"${key}" is already ${context.path}[${first}]: list each parent once.`);
    seen.set(key, index);
    if (entry.relation === undefined)
      fieldError(
        fieldOf(at, "relation"),
        "is missing: say how this model was made from the parent (finetune, adapter, quantized, merge, distill, other).",
      );
    const relation = readRelation(entry.relation, fieldOf(at, "relation"));
    if (entry.weight === undefined && list.length > 1)
      fieldError(
        fieldOf(at, "weight"),
        'is missing: with several parents each needs a weight (e.g. "60%"), summing to 100%.',
      );
    const weightPpm = entry.weight === undefined ? Number(PPM) : readPercent(entry.weight, fieldOf(at, "weight"));
    if (weightPpm === 0)
      fieldError(fieldOf(at, "weight"), "is 0%, which the registry refuses: drop the parent or give it a share.");
    return { key, relation, weightPpm };
  });
  if (parents.length > 0)
    checkWeightsSum(
      parents.map((parent) => parent.weightPpm),
      context,
      `${context.path}[*].weight`,
    );
  return parents;
}

/** `terms: { derivativesAllowed, minDerivative }`; either may be left out (open terms). */
export function readTerms(value: unknown, context: FieldContext): Terms {
  const entry = readObject(value, context, ["derivativesAllowed", "minDerivative"]);
  return {
    derivativesAllowed:
      entry.derivativesAllowed === undefined
        ? DEFAULT_TERMS.derivativesAllowed
        : readBoolean(entry.derivativesAllowed, fieldOf(context, "derivativesAllowed")),
    minDerivativePpm:
      entry.minDerivative === undefined
        ? DEFAULT_TERMS.minDerivativePpm
        : readPercent(entry.minDerivative, fieldOf(context, "minDerivative")),
  };
}

/**
 * The upstream share: required when the model has parents (there is no sensible default: it is the model's main
 * policy choice), 0% when it has none. `howToGive` ends the error, e.g. `add "upstream: 20%"`.
 */
export function readUpstream(value: unknown, parentCount: number, context: FieldContext, howToGive: string): number {
  if (value === undefined) {
    if (parentCount === 0) return 0;
    fieldError(
      context,
      `is missing: a model with parents must say what share of its revenue flows to them: ${howToGive}.`,
    );
  }
  const upstreamPpm = readPercent(value, context);
  if (parentCount === 0 && upstreamPpm !== 0)
    fieldError(context, `is ${formatPercent(upstreamPpm)} but the model has no parents: make it 0% or add parents.`);
  return upstreamPpm;
}
