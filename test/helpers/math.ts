/**
 * The arithmetic of SPEC.md, written out in the tests on purpose (not imported from src/core) so that the
 * expected amounts are computed independently of both the contracts and the TypeScript engine.
 */

/** The one denominator: parts per million. */
export const PPM = 1_000_000n;

/** The largest lifetime amount per model and token (112 bits). */
export const MAX_AMOUNT = 2n ** 112n - 1n;

/** `floor(amount * feePpm / PPM)`. */
export function feeOf(amount: bigint, feePpm: bigint): bigint {
  return (amount * feePpm) / PPM;
}

/** `floor(received * upstreamPpm / PPM)`. */
export function upstreamOf(received: bigint, upstreamPpm: bigint): bigint {
  return (received * upstreamPpm) / PPM;
}

/** `received - upstreamOf(received, upstreamPpm)`. */
export function keptOf(received: bigint, upstreamPpm: bigint): bigint {
  return received - upstreamOf(received, upstreamPpm);
}

/** The cumulative-rounding slice: `floor(T * (C + w) / PPM) - floor(T * C / PPM)`. */
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

/** What each parent gets when lifetime upstream grows from `pushedBefore` to `upstream`. */
export function propagationOf(upstream: bigint, pushedBefore: bigint, weights: readonly (bigint | number)[]): bigint[] {
  const now = slicesOf(upstream, weights);
  const before = slicesOf(pushedBefore, weights);
  return now.map((slice, i) => slice - before[i]);
}
