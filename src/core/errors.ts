/**
 * Errors thrown by the pure domain layer (`src/core`).
 *
 * Every core error is non-retryable: it describes bad input or a divergence between the chain and this engine, and
 * running the same step again gives the same answer.
 */
import { MAX_CONTRIBUTORS, MAX_PARENTS, PPM } from "./constants.js";

import { BaseError, type BaseErrorParameters } from "../internal/errors.js";

export type CoreErrorParameters = Omit<BaseErrorParameters, "retryable">;

export type CoreErrorType = CoreError & { name: "CoreError" };

/** The base of every core error: a {BaseError} that is never retryable. */
export class CoreError extends BaseError {
  override name = "CoreError";

  constructor(shortMessage: string, parameters: CoreErrorParameters = {}) {
    super(shortMessage, { ...parameters, retryable: false });
  }
}

export type InvalidModelKeyErrorType = InvalidModelKeyError & { name: "InvalidModelKeyError" };

/** A model key is not canonical (the registry's `ModelRegistryInvalidKey`): see validateKey for the rule. */
export class InvalidModelKeyError extends CoreError {
  override name = "InvalidModelKeyError";
  readonly key: string;

  constructor({ key, reason }: { key: string; reason: string }) {
    super(`Invalid model key ${JSON.stringify(key)}: ${reason}.`, {
      details:
        "A key is 1 to 128 printable ASCII bytes (0x20-0x7e) with no space first or last; an hf: key is all " +
        'lowercase with no space, e.g. "hf:org/name@<commit>".',
    });
    this.key = key;
  }
}

export type InvalidPercentErrorType = InvalidPercentError & { name: "InvalidPercentError" };

/** A share written as a percentage is malformed, has more than four decimals (finer than a ppm) or is over 100%. */
export class InvalidPercentError extends CoreError {
  override name = "InvalidPercentError";
}

export type InvalidAmountErrorType = InvalidAmountError & { name: "InvalidAmountError" };

/** An amount is negative or otherwise outside what the contracts can hold. */
export class InvalidAmountError extends CoreError {
  override name = "InvalidAmountError";

  constructor({ name, value, reason }: { name: string; value: bigint; reason: string }) {
    super(`Invalid ${name} ${value}: ${reason}.`, { details: "Amounts are token base units: non-negative integers." });
  }
}

export type InvalidWeightsErrorType = InvalidWeightsError & { name: "InvalidWeightsError" };

/** Split weights are negative, zero where not allowed, or do not add up to the denominator. */
export class InvalidWeightsError extends CoreError {
  override name = "InvalidWeightsError";

  constructor({ reason, details }: { reason: string; details?: string | undefined }) {
    super(`Invalid split weights: ${reason}.`, {
      details: details ?? "Weights are parts per million (PPM = 1_000_000); a split list must sum to its denominator.",
    });
  }
}

export type MirrorMismatchErrorType = MirrorMismatchError & { name: "MirrorMismatchError" };

/**
 * A number the chain reported differs from what the engine computed independently from the events
 * before it. Either an event was missed or applied twice, or the contracts and SPEC.md disagree.
 */
export class MirrorMismatchError extends CoreError {
  override name = "MirrorMismatchError";
  readonly event: string;
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;

  constructor({
    event,
    field,
    expected,
    actual,
  }: {
    event: string;
    field: string;
    expected: unknown;
    actual: unknown;
  }) {
    super(`${event}: ${field} is ${String(actual)} on chain but the engine computed ${String(expected)}.`, {
      details:
        "Make sure every event is applied exactly once, in chain order (block, log index), starting from the deployment block, and that the ledger was created with the router fee at that block.",
    });
    this.event = event;
    this.field = field;
    this.expected = expected;
    this.actual = actual;
  }
}

export type LedgerEventErrorType = LedgerEventError & { name: "LedgerEventError" };

/**
 * An event that the contracts cannot have emitted in the engine's current state (for example a
 * propagation from a disputed model, or a claim for an entry that does not exist).
 */
export class LedgerEventError extends CoreError {
  override name = "LedgerEventError";
  readonly event: string;

  constructor({ event, reason }: { event: string; reason: string }) {
    super(`${event}: ${reason}.`, {
      details:
        "The contracts revert in this state, so the event cannot be real for this ledger. Check the event order and that no event was skipped.",
    });
    this.event = event;
  }
}

export type UnknownModelErrorType = UnknownModelError & { name: "UnknownModelError" };

/** No model with this id is registered in the ledger. */
export class UnknownModelError extends CoreError {
  override name = "UnknownModelError";
  readonly modelId: string;

  constructor({ modelId, context }: { modelId: string; context?: string | undefined }) {
    super(`${context === undefined ? "" : `${context}: `}unknown model ${modelId}.`, {
      details: "A model id is keccak256 of its key; register it (or a placeholder for it) first.",
    });
    this.modelId = modelId;
  }
}

export type UnknownEntryErrorType = UnknownEntryError & { name: "UnknownEntryError" };

/** No contributor entry with this `cumulativeBefore` exists in the model's epoch (the router reverts the proof). */
export class UnknownEntryError extends CoreError {
  override name = "UnknownEntryError";

  constructor({ modelId, epoch, cumulativeBefore }: { modelId: string; epoch: number; cumulativeBefore: number }) {
    super(`Model ${modelId} has no contributor entry at cumulativeBefore ${cumulativeBefore} in epoch ${epoch}.`, {
      details:
        "Entries are keyed by the sum of the weights listed before them; an epoch without a set is a placeholder escrow or has not started.",
    });
  }
}

export type RuleErrorType = RuleError<{ kind: string }> & { name: "RuleError" };

/**
 * A value one of the registry's rules refuses (src/core/validate*.ts): `problem` says which rule failed and carries
 * the offending values, so callers can word it their own way; `reason` words it in one phrase.
 */
export class RuleError<Problem extends { kind: string }> extends CoreError {
  override name = "RuleError";
  readonly problem: Problem;
  readonly reason: string;

  constructor({ subject, problem, reason, rule }: { subject: string; problem: Problem; reason: string; rule: string }) {
    super(`${subject}: ${reason}.`, { details: rule });
    this.problem = problem;
    this.reason = reason;
  }
}

/**
 * The error class of one rule: `name`, the message's `subject`, the `rule` in one sentence (the details) and how
 * each problem reads.
 */
function ruleErrorClass<Problem extends { kind: string }>(
  name: string,
  { subject, rule, reasonOf }: { subject: string; rule: string; reasonOf: (problem: Problem) => string },
) {
  return class extends RuleError<Problem> {
    override name = name;

    constructor(problem: Problem) {
      super({ subject, problem, reason: reasonOf(problem), rule });
    }
  };
}

/** What is wrong with a model's parent list (src/core/validateParents.ts); indexes are positions in the list. */
export type ParentsProblem =
  | { kind: "count"; count: number }
  | { kind: "weight"; index: number; weightPpm: number }
  | { kind: "duplicate"; index: number; firstIndex: number; id: string }
  | { kind: "self"; index: number; id: string }
  | { kind: "sum"; sum: bigint };

/**
 * A parent list the registry refuses: more than MAX_PARENTS, a weight that is not a positive integer, a parent
 * listed twice or the model itself, or weights that do not sum to PPM.
 */
export const InvalidParentsError = ruleErrorClass<ParentsProblem>("InvalidParentsError", {
  subject: "Invalid parents",
  rule: `A model has at most ${MAX_PARENTS} parents, each listed once and none the model itself, with positive weights in PPM summing to ${PPM}.`,
  reasonOf(problem) {
    switch (problem.kind) {
      case "count":
        return `${problem.count} parents, more than ${MAX_PARENTS}`;
      case "weight":
        return `edge ${problem.index} has weight ${problem.weightPpm}, not positive`;
      case "duplicate":
        return `parent ${problem.id} is listed twice`;
      case "self":
        return `edge ${problem.index} names the model ${problem.id} itself`;
      case "sum":
        return `the edge weights sum to ${problem.sum}, not ${PPM}`;
    }
  },
});
export type InvalidParentsError = InstanceType<typeof InvalidParentsError>;
export type InvalidParentsErrorType = InvalidParentsError & { name: "InvalidParentsError" };

/** What is wrong with a contributor set (src/core/validateContributors.ts); indexes are positions in the set. */
export type ContributorsProblem =
  | { kind: "count"; count: number }
  | { kind: "weight"; index: number; weightPpm: number }
  | { kind: "duplicate"; index: number; firstIndex: number; account: string; role: number }
  | { kind: "sum"; sum: bigint };

/**
 * A contributor set the registry refuses (empty or longer than MAX_CONTRIBUTORS, a weight that is not a positive
 * integer, weights that do not sum to PPM), or one that repeats an account in the same role where the caller asked
 * for distinct entries.
 */
export const InvalidContributorsError = ruleErrorClass<ContributorsProblem>("InvalidContributorsError", {
  subject: "Invalid contributors",
  rule: `A contributor set has 1 to ${MAX_CONTRIBUTORS} entries with positive weights in PPM summing to ${PPM}.`,
  reasonOf(problem) {
    switch (problem.kind) {
      case "count":
        return `a contributor set has ${problem.count} entries, not 1..${MAX_CONTRIBUTORS}`;
      case "weight":
        return `contributor ${problem.index} has weight ${problem.weightPpm}, not a positive integer`;
      case "duplicate":
        return `contributor ${problem.index} repeats contributor ${problem.firstIndex} (${problem.account} in role ${problem.role})`;
      case "sum":
        return `the contributor weights sum to ${problem.sum}, not to ${PPM}`;
    }
  },
});
export type InvalidContributorsError = InstanceType<typeof InvalidContributorsError>;
export type InvalidContributorsErrorType = InvalidContributorsError & { name: "InvalidContributorsError" };

/** What is wrong with a model's upstream share (src/core/validateUpstream.ts). */
export type UpstreamProblem = { kind: "range" | "withoutParents"; upstreamPpm: number };

/** An upstream share outside 0..PPM, or above zero for a model without parents: the registry refuses both. */
export const InvalidUpstreamError = ruleErrorClass<UpstreamProblem>("InvalidUpstreamError", {
  subject: "Invalid upstream share",
  rule: `The upstream share is in PPM, 0..${PPM}, and 0 for a model without parents.`,
  reasonOf: ({ kind, upstreamPpm }) =>
    kind === "range"
      ? `upstreamPpm ${upstreamPpm} is outside 0..${PPM}`
      : `upstreamPpm is ${upstreamPpm} for a model without parents`,
});
export type InvalidUpstreamError = InstanceType<typeof InvalidUpstreamError>;
export type InvalidUpstreamErrorType = InvalidUpstreamError & { name: "InvalidUpstreamError" };

/** How a parent's terms refuse a derivative's edge (src/core/validateParentTerms.ts). */
export type ParentTermsProblem =
  | { kind: "derivativesRefused"; parent: string }
  /** `provided = upstreamPpm * weightPpm` is below `required = minDerivativePpm * PPM` (the registry's units). */
  | { kind: "belowMinimum"; parent: string; provided: bigint; required: bigint };

/** A parent refuses derivatives, or the share of the child's revenue an edge sends it is below the parent's minimum. */
export const ParentTermsError = ruleErrorClass<ParentTermsProblem>("ParentTermsError", {
  subject: "The parent's terms refuse the edge",
  rule: "A parent must allow derivatives, and an edge's upstreamPpm * weightPpm must reach its minDerivativePpm * PPM.",
  reasonOf: (problem) =>
    problem.kind === "derivativesRefused"
      ? `parent ${problem.parent} does not allow derivatives`
      : `upstreamPpm * weightPpm is below parent ${problem.parent}'s minDerivativePpm * PPM (${problem.provided} < ${problem.required})`,
});
export type ParentTermsError = InstanceType<typeof ParentTermsError>;
export type ParentTermsErrorType = ParentTermsError & { name: "ParentTermsError" };
