/**
 * Errors thrown by the pure domain layer (`src/core`).
 *
 * Every core error is non-retryable: it describes bad input or a divergence between the chain and this engine, and
 * running the same step again gives the same answer.
 */

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

/** A model key is not 1-128 printable ASCII bytes (the registry's `ModelRegistryInvalidKey`). */
export class InvalidModelKeyError extends CoreError {
  override name = "InvalidModelKeyError";
  readonly key: string;

  constructor({ key, reason }: { key: string; reason: string }) {
    super(`Invalid model key ${JSON.stringify(key)}: ${reason}.`, {
      details: 'A key is 1 to 128 bytes, each a printable ASCII character (0x20-0x7e), e.g. "hf:org/name@<commit>".',
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
