/**
 * The bigint twin of `contracts/libraries/SplitMath.sol`: the one rounding rule of SPEC.md ("cumulative rounding")
 * and the share helpers built on it. Every division rounds down, and the slices of a split always add up to exactly
 * the total, so no rounding error strands a wei. Both sides run the vectors in `test/helpers/vectors/splits.json`.
 */
import { PPM } from "./constants.js";
import {
  InvalidAmountError,
  InvalidWeightsError,
  type InvalidAmountErrorType,
  type InvalidWeightsErrorType,
} from "./errors.js";

export type SplitMathErrorType = InvalidAmountErrorType | InvalidWeightsErrorType;

function requireAmount(name: string, value: bigint): void {
  if (value < 0n) throw new InvalidAmountError({ name, value, reason: "amounts cannot be negative" });
}

function requirePpm(name: string, value: bigint): void {
  if (value < 0n || value > PPM) throw new InvalidWeightsError({ reason: `${name} is ${value}, outside 0..${PPM}` });
}

/**
 * Slice of `total` for the recipient whose weight is `weight` and whose predecessors' weights sum to
 * `cumulativeBefore`: `floor(total * (cumulativeBefore + weight) / denominator) - floor(total * cumulativeBefore / denominator)`.
 *
 * Because each slice is a difference of the same running floor, the slices of consecutive recipients telescope to
 * `total`, and the slice of a lifetime total less the slice of an earlier lifetime total is what a recipient is owed
 * for the difference (this is how propagation and claims stay batching-invariant).
 *
 * @param total - The amount to split (token base units).
 * @param cumulativeBefore - Sum of the weights listed before the recipient.
 * @param weight - The recipient's weight.
 * @param denominator - The sum of all weights. @default PPM
 * @returns The recipient's slice.
 * @throws {InvalidAmountError} when `total` is negative.
 * @throws {InvalidWeightsError} when a weight is negative, the denominator is not positive, or
 * `cumulativeBefore + weight` exceeds the denominator.
 *
 * @example
 * import { sliceOf } from "./splitMath.js";
 * sliceOf(10n, 0n, 333_333n); // 3n
 * sliceOf(10n, 333_333n, 666_667n); // 7n
 */
export function sliceOf(total: bigint, cumulativeBefore: bigint, weight: bigint, denominator: bigint = PPM): bigint {
  requireAmount("total", total);
  if (denominator <= 0n) throw new InvalidWeightsError({ reason: `the denominator is ${denominator}, not positive` });
  if (cumulativeBefore < 0n)
    throw new InvalidWeightsError({ reason: `cumulativeBefore is ${cumulativeBefore}, negative` });
  if (weight < 0n) throw new InvalidWeightsError({ reason: `weight is ${weight}, negative` });
  if (cumulativeBefore + weight > denominator)
    throw new InvalidWeightsError({
      reason: `cumulativeBefore + weight is ${cumulativeBefore + weight}, above the denominator ${denominator}`,
    });
  return (total * (cumulativeBefore + weight)) / denominator - (total * cumulativeBefore) / denominator;
}

/**
 * Splits `total` over ordered weights with cumulative rounding. The weights must sum to `denominator`; the returned
 * slices, in the same order, sum to exactly `total`.
 *
 * @param total - The amount to split.
 * @param weights - The ordered weights (non-negative, summing to `denominator`).
 * @param denominator - The sum the weights must reach. @default PPM
 * @returns One slice per weight.
 * @throws {InvalidAmountError} when `total` is negative.
 * @throws {InvalidWeightsError} when the list is empty, a weight is negative, or the sum differs from `denominator`.
 *
 * @example
 * import { splitCumulative } from "./splitMath.js";
 * splitCumulative(10n, [333_333n, 333_333n, 333_334n]); // [3n, 3n, 4n]
 */
export function splitCumulative(total: bigint, weights: readonly bigint[], denominator: bigint = PPM): bigint[] {
  requireAmount("total", total);
  if (weights.length === 0) throw new InvalidWeightsError({ reason: "the weight list is empty" });
  if (denominator <= 0n) throw new InvalidWeightsError({ reason: `the denominator is ${denominator}, not positive` });
  let sum = 0n;
  for (const [index, weight] of weights.entries()) {
    if (weight < 0n) throw new InvalidWeightsError({ reason: `weight ${index} is ${weight}, negative` });
    sum += weight;
  }
  if (sum !== denominator)
    throw new InvalidWeightsError({ reason: `the weights sum to ${sum}, not to the denominator ${denominator}` });
  const slices: bigint[] = [];
  let cumulative = 0n;
  let floorBefore = 0n;
  for (const weight of weights) {
    cumulative += weight;
    const floorAfter = (total * cumulative) / denominator;
    slices.push(floorAfter - floorBefore);
    floorBefore = floorAfter;
  }
  return slices;
}

/**
 * The part of a model's lifetime `received` that flows to its parents: `floor(received * upstreamPpm / PPM)`.
 *
 * @param received - The model's lifetime received amount.
 * @param upstreamPpm - The model's upstream share, 0..PPM.
 * @throws {InvalidAmountError} when `received` is negative.
 * @throws {InvalidWeightsError} when `upstreamPpm` is outside 0..PPM.
 *
 * @example
 * import { upstreamOf } from "./splitMath.js";
 * upstreamOf(1_000n, 333_333n); // 333n
 */
export function upstreamOf(received: bigint, upstreamPpm: bigint): bigint {
  requireAmount("received", received);
  requirePpm("upstreamPpm", upstreamPpm);
  return (received * upstreamPpm) / PPM;
}

/**
 * The part of a model's lifetime `received` that the model keeps for its contributors:
 * `received - upstreamOf(received, upstreamPpm)` (the rounding dust stays with the model).
 *
 * @example
 * import { keptOf } from "./splitMath.js";
 * keptOf(1_000n, 333_333n); // 667n
 */
export function keptOf(received: bigint, upstreamPpm: bigint): bigint {
  return received - upstreamOf(received, upstreamPpm);
}

/**
 * The protocol fee on a payment: `floor(amount * feePpm / PPM)`.
 *
 * @param amount - The paid amount.
 * @param feePpm - The router's fee, 0..PPM (the router caps it at MAX_FEE_PPM).
 * @throws {InvalidAmountError} when `amount` is negative.
 * @throws {InvalidWeightsError} when `feePpm` is outside 0..PPM.
 *
 * @example
 * import { feeOf } from "./splitMath.js";
 * feeOf(1_000_000n, 25_000n); // 25_000n
 */
export function feeOf(amount: bigint, feePpm: bigint): bigint {
  requireAmount("amount", amount);
  requirePpm("feePpm", feePpm);
  return (amount * feePpm) / PPM;
}
