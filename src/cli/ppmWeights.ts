import { PPM } from "../core/constants.js";

/** `count` equal weights in ppm summing to exactly 1,000,000; the rounding remainder goes to the first. */
export function equalWeightsPpm(count: number): number[] {
  const each = Math.floor(Number(PPM) / count);
  return Array.from({ length: count }, (_, index) => (index === 0 ? Number(PPM) - each * (count - 1) : each));
}

/** A non-negative decimal ("0.35", "1", "2.5e-1") as an exact fraction `units / 10^scale`. */
function decimalFraction(text: string): { units: bigint; scale: number } | undefined {
  const match = /^(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!match) return undefined;
  const fraction = match[2] ?? "";
  const scale = fraction.length - Number(match[3] ?? 0);
  const units = BigInt(match[1]! + fraction);
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

/**
 * Relative weights written as decimals (mergekit's `parameters.weight`, which need not sum to 1) as ppm summing to
 * exactly 1,000,000: each gets floor(weight * PPM / total), computed exactly, and the rounding remainder goes to the
 * first. Returns undefined when a weight is not a positive decimal or would round to 0 ppm (the registry refuses
 * zero weights), so the caller can fall back to equal weights.
 *
 * @example
 * normalizeWeightsPpm(["1.0", "0.5"]); // [666667, 333333]
 */
export function normalizeWeightsPpm(decimals: readonly string[]): number[] | undefined {
  const fractions = decimals.map(decimalFraction);
  if (fractions.length === 0 || fractions.some((fraction) => fraction === undefined || fraction.units === 0n))
    return undefined;
  const scale = Math.max(...fractions.map((fraction) => fraction!.scale));
  // On one common denominator 10^scale the weights are integers, so the shares are exact.
  const units = fractions.map((fraction) => fraction!.units * 10n ** BigInt(scale - fraction!.scale));
  const total = units.reduce((sum, value) => sum + value, 0n);
  const ppm = units.map((value) => (value * PPM) / total);
  if (ppm.some((value) => value === 0n)) return undefined;
  ppm[0] = ppm[0]! + PPM - ppm.reduce((sum, value) => sum + value, 0n);
  return ppm.map(Number);
}
