import { PPM } from "./constants.js";
import { InvalidPercentError } from "./errors.js";

/**
 * Shares as people write them ("12.5%", "0.0001%", "100%") to and from parts per million, exactly: a percentage
 * with more than four decimals cannot be expressed in ppm and is refused rather than rounded.
 */
export function parsePercent(text: string, what = "share"): number {
  const match = /^\s*(\d{1,3})(?:\.(\d{1,4}))?\s*%\s*$/.exec(text);
  if (!match) {
    throw new InvalidPercentError(
      `${what} "${text}" is not a percentage: write it like 12.5% (at most 4 decimals, 0%-100%).`,
    );
  }
  const ppm = Number(match[1]) * 10_000 + Number((match[2] ?? "").padEnd(4, "0"));
  if (ppm > Number(PPM)) throw new InvalidPercentError(`${what} ${text} is over 100%.`);
  return ppm;
}

/** A ppm value as a percentage with no trailing zeros: 125000 -> "12.5%", 1 -> "0.0001%". */
export function formatPercent(ppm: number | bigint): string {
  const value = BigInt(ppm);
  const whole = value / 10_000n;
  const fraction = (value % 10_000n).toString().padStart(4, "0").replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""}%`;
}
