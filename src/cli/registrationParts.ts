import { MAX_CONTRIBUTORS, MAX_PARENTS, PPM } from "../core/constants.js";
import { InvalidContributorsError, InvalidParentsError, InvalidUpstreamError } from "../core/errors.js";
import type { Contributor, Terms } from "../core/types.js";
import { validateContributors } from "../core/validateContributors.js";
import { validateParents } from "../core/validateParents.js";
import { validateUpstream } from "../core/validateUpstream.js";
import { rewordError } from "../internal/rewordError.js";
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

/** The field error for split weights that do not sum to 100%, saying what they sum to and which `field` to adjust. */
export function weightsSumError(context: FieldContext, sum: bigint, field: string): never {
  return fieldError(
    context,
    `weights sum to ${formatPercent(sum)}, not 100%: adjust the ${field} so they add up to exactly 100%.`,
  );
}

/**
 * The registry's parent rules ({@link validateParents}) on parents named by key (the model itself is not checked:
 * its key is not always known yet); `reword` throws the caller's error for a refusal.
 */
export function validateParentKeys(
  parents: readonly { key: string; weightPpm: number }[],
  reword: (error: InvalidParentsError) => never,
): void {
  const named = parents.map(({ key, weightPpm }) => ({ id: key, weightPpm }));
  rewordError(InvalidParentsError, () => validateParents({ parents: named }), reword);
}

/**
 * How a manifest words the refusals of its `parents` or `contributors` list: after "has N entries:", after "is 0%,
 * which the registry refuses:", and where and how a repeated entry is named. A sum is worded alike for both.
 */
type ListWords = {
  count: string;
  zeroWeight: string;
  duplicate: (entries: { index: number; firstIndex: number }) => [FieldContext, string];
};

/** A core list rule's refusal as a field error of the list at `context`; anything else stays the core's. */
function listError(
  context: FieldContext,
  error: InvalidParentsError | InvalidContributorsError,
  words: ListWords,
): never {
  const { problem } = error;
  switch (problem.kind) {
    case "count":
      return fieldError(context, `has ${problem.count} entries: ${words.count}`);
    case "weight":
      return fieldError(
        fieldOf(fieldOf(context, problem.index), "weight"),
        `is 0%, which the registry refuses: ${words.zeroWeight}`,
      );
    case "duplicate":
      return fieldError(...words.duplicate(problem));
    case "sum":
      return weightsSumError(context, problem.sum, `${context.path}[*].weight`);
    default:
      throw error;
  }
}

/** `contributors: [{ account, role, weight }]`: 1 to 1000 entries, positive weights summing to 100%. */
export function readContributors(value: unknown, context: FieldContext): Contributor[] {
  const contributors = readList(value, context).map((raw, index): Contributor => {
    const at = fieldOf(context, index);
    const entry = readObject(raw, at, ["account", "role", "weight"]);
    return {
      account: readAddress(entry.account, fieldOf(at, "account")),
      role: readRole(entry.role, fieldOf(at, "role")),
      weightPpm: readPercent(entry.weight, fieldOf(at, "weight")),
    };
  });
  // The same account may hold several roles, but the same account and role twice is a copy-paste slip.
  const check = () => validateContributors({ contributors, distinct: true });
  rewordError(InvalidContributorsError, check, (error) =>
    listError(context, error, {
      count: `a model has 1 to ${MAX_CONTRIBUTORS} contributors.`,
      zeroWeight: "remove the entry or give it a share.",
      duplicate: ({ index, firstIndex }) => [
        fieldOf(context, index),
        `repeats ${context.path}[${firstIndex}] (same account and role): merge their weights into one entry.`,
      ],
    }),
  );
  return contributors;
}

/**
 * `parents: [{ key, relation, weight }]`: at most 16, no key twice, positive weights summing to 100%. A single
 * parent may leave out its weight (it gets 100%).
 */
export function readParents(value: unknown, context: FieldContext): RegistrationManifest["parents"] {
  const list = readList(value, context);
  const parents = list.map((raw, index) => {
    const at = fieldOf(context, index);
    const entry = readObject(raw, at, ["key", "relation", "weight"]);
    const key = readKey(entry.key, fieldOf(at, "key"));
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
    return { key, relation, weightPpm };
  });
  validateParentKeys(parents, (error) =>
    listError(context, error, {
      count: `a model has at most ${MAX_PARENTS} parents.`,
      zeroWeight: "drop the parent or give it a share.",
      duplicate: ({ index, firstIndex }) => [
        fieldOf(fieldOf(context, index), "key"),
        `"${parents[index]!.key}" is already ${context.path}[${firstIndex}]: list each parent once.`,
      ],
    }),
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
  rewordUpstream(upstreamPpm, parentCount, () =>
    fieldError(context, `is ${formatPercent(upstreamPpm)} but the model has no parents: make it 0% or add parents.`),
  );
  return upstreamPpm;
}

/**
 * The registry's upstream rule ({@link validateUpstream}) on a share read as a percentage (so within 0%-100%):
 * `withoutParents` throws the caller's error for a share given to a model without parents.
 */
export function rewordUpstream(upstreamPpm: number, parentCount: number, withoutParents: () => never): void {
  rewordError(
    InvalidUpstreamError,
    () => validateUpstream({ upstreamPpm, parentCount }),
    (error) => {
      if (error.problem.kind !== "withoutParents") throw error;
      return withoutParents();
    },
  );
}
