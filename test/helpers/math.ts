/**
 * The arithmetic of SPEC.md, written out in the tests on purpose (not imported from src/core) so that the
 * expected amounts are computed independently of both the contracts and the TypeScript engine.
 */

/** The one denominator: parts per million. */
export const PPM = 1_000_000n;

/** The largest lifetime amount per model and token (112 bits). */
export const MAX_AMOUNT = 2n ** 112n - 1n;

/** `ceil(amount * feePpm / PPM)`: rounded up, so that splitting a payment never saves fee (F10). */
export function feeOf(amount: bigint, feePpm: bigint): bigint {
  return (amount * feePpm + PPM - 1n) / PPM;
}

/** `floor(received * upstreamPpm / PPM)`. */
export function upstreamOf(received: bigint, upstreamPpm: bigint): bigint {
  return (received * upstreamPpm) / PPM;
}

/** `received - upstreamOf(received, upstreamPpm)`. */
export function keptOf(received: bigint, upstreamPpm: bigint): bigint {
  return received - upstreamOf(received, upstreamPpm);
}

/**
 * The cumulative-rounding slice: `floor(T * (C + w) / PPM) - floor(T * C / PPM)`. Exact for a total that no longer
 * grows (a closed contributor epoch), but NOT monotone in `T` for a middle entry: over 30/10/60% the middle slice
 * is 1 of 3 and 0 of 4.
 */
export function sliceOf(total: bigint, cumulativeBefore: bigint, weightPpm: bigint): bigint {
  return (total * (cumulativeBefore + weightPpm)) / PPM - (total * cumulativeBefore) / PPM;
}

/** Every slice of `total` over ordered weights summing to PPM. */
export function slicesOf(total: bigint, weights: readonly (bigint | number)[]): bigint[] {
  let cumulative = 0n;
  return weights.map((weight) => {
    const slice = sliceOf(total, cumulative, BigInt(weight));
    cumulative += BigInt(weight);
    return slice;
  });
}

/**
 * The floor share `floor(T * w / PPM)`: what an entry of the CURRENT contributor epoch may claim (monotone in `T`
 * and never above its final slice). The rest of its slice, under one wei, waits until the epoch closes.
 */
export function shareOf(total: bigint, weightPpm: bigint | number): bigint {
  return (total * BigInt(weightPpm)) / PPM;
}

/** The floor share of `total` of every entry, in order. */
export function sharesOf(total: bigint, weights: readonly (bigint | number)[]): bigint[] {
  return weights.map((weight) => shareOf(total, weight));
}

/**
 * How parents share an upstream total: the first `ceil(n / 2)` weights take `floor(total * theirSum / allSum)`,
 * the others the remainder, and each half is split the same way until one weight is left. Every part is
 * monotone in `total` and the parts add up to `total`. For one or two weights summing to PPM it equals
 * {slicesOf}.
 */
export function splitTree(total: bigint, weights: readonly (bigint | number)[]): bigint[] {
  const values = weights.map(BigInt);
  if (values.length === 0) throw new Error("splitTree: no weights");
  if (values.length === 1) return [total];
  const half = Math.ceil(values.length / 2);
  const sum = (list: bigint[]) => list.reduce((acc, weight) => acc + weight, 0n);
  const [left, right] = [values.slice(0, half), values.slice(half)];
  const first = (total * sum(left)) / (sum(left) + sum(right));
  return [...splitTree(first, left), ...splitTree(total - first, right)];
}

/**
 * What each parent gets when lifetime upstream grows from `pushedBefore` to `upstream`: its {splitTree} part of
 * the one less its part of the other.
 */
export function propagationOf(upstream: bigint, pushedBefore: bigint, weights: readonly (bigint | number)[]): bigint[] {
  const now = splitTree(upstream, weights);
  const before = splitTree(pushedBefore, weights);
  return now.map((part, i) => part - before[i]);
}
