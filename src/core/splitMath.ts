/**
 * The bigint twin of `contracts/libraries/SplitMath.sol`: SPEC.md's cumulative rounding ({@link sliceOf}) and the
 * two monotone rules built on it. Every division rounds down. A middle entry's cumulative-rounding slice can
 * shrink when the total grows (weights 30/10/60%: 1 of 3, 0 of 4), so lifetime totals that still grow are split
 * with {@link splitTree} (parents) or paid as {@link shareOf} until they are final (an open contributor epoch).
 * Both sides run the vectors in `test/helpers/vectors/splits.json`.
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
 * The pro-rata share of `total` for `weight`, rounded down: `floor(total * weight / denominator)`. Monotone in
 * `total` and never above the entry's {@link sliceOf}: what a contributor of a still-open epoch can claim.
 *
 * @param total - The amount split.
 * @param weight - The entry's weight, at most `denominator`.
 * @param denominator - The sum of all weights. @default PPM
 * @throws {InvalidAmountError} when `total` is negative.
 * @throws {InvalidWeightsError} when `weight` is negative or above `denominator`.
 *
 * @example
 * import { shareOf } from "./splitMath.js";
 * shareOf(4n, 100_000n); // 0n (its final slice of 4 over 30/10/60% is 0 too; of 3 it would be 1)
 */
export function shareOf(total: bigint, weight: bigint, denominator: bigint = PPM): bigint {
  requireAmount("total", total);
  if (weight < 0n || weight > denominator)
    throw new InvalidWeightsError({ reason: `weight is ${weight}, outside 0..${denominator}` });
  return (total * weight) / denominator;
}

/**
 * Splits `total` over ordered positive weights down a balanced binary tree of two-way cumulative roundings: a
 * range of entries gives its first `ceil(n / 2)` entries `floor(amount * theirWeight / rangeWeight)` and the rest
 * the remainder, recursively. The parts add up to exactly `total`, each is within `ceil(log2 n)` of its pro-rata
 * share, and none ever shrinks when `total` grows, so lifetime totals can be pushed in any batches. This is how a
 * model's upstream is shared among its parents (RevenueRouter `_parentShares`).
 *
 * @param total - The amount to split.
 * @param weights - The ordered weights, at least one, all positive.
 * @returns One part per weight.
 * @throws {InvalidAmountError} when `total` is negative.
 * @throws {InvalidWeightsError} when the list is empty or a weight is not positive.
 *
 * @example
 * import { splitTree } from "./splitMath.js";
 * splitTree(4n, [300_000n, 100_000n, 600_000n]); // [0n, 1n, 3n]: entries 0-1 get floor(4 * 0.4) = 1, split 0 / 1
 */
export function splitTree(total: bigint, weights: readonly bigint[]): bigint[] {
  requireAmount("total", total);
  if (weights.length === 0) throw new InvalidWeightsError({ reason: "the weight list is empty" });
  const cumulative = [0n];
  for (const [index, weight] of weights.entries()) {
    if (weight <= 0n) throw new InvalidWeightsError({ reason: `weight ${index} is ${weight}, not positive` });
    cumulative.push(cumulative[index]! + weight);
  }
  const parts = new Array<bigint>(weights.length).fill(0n);
  const splitRange = (amount: bigint, from: number, to: number): void => {
    if (to - from === 1) {
      parts[from] = amount;
      return;
    }
    const middle = from + Math.floor((to - from + 1) / 2);
    const first = (amount * (cumulative[middle]! - cumulative[from]!)) / (cumulative[to]! - cumulative[from]!);
    splitRange(first, from, middle);
    splitRange(amount - first, middle, to);
  };
  splitRange(total, 0, weights.length);
  return parts;
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
 * The protocol fee on a payment: `ceil(amount * feePpm / PPM)`. Rounded up so that splitting a payment never saves
 * fee: `ceil(a) + ceil(b) >= ceil(a + b)`, where a floor would let payments under `PPM / feePpm` pay none.
 *
 * @param amount - The paid amount.
 * @param feePpm - The router's fee, 0..PPM (the router caps it at MAX_FEE_PPM).
 * @throws {InvalidAmountError} when `amount` is negative.
 * @throws {InvalidWeightsError} when `feePpm` is outside 0..PPM.
 *
 * @example
 * import { feeOf } from "./splitMath.js";
 * feeOf(1_000_000n, 25_000n); // 25_000n
 * feeOf(39n, 25_000n); // 1n (0.975 rounded up)
 */
export function feeOf(amount: bigint, feePpm: bigint): bigint {
  requireAmount("amount", amount);
  requirePpm("feePpm", feePpm);
  return (amount * feePpm + PPM - 1n) / PPM;
}
