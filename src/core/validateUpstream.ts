import { PPM } from "./constants.js";
import { InvalidUpstreamError, type InvalidUpstreamErrorType } from "./errors.js";

export type ValidateUpstreamErrorType = InvalidUpstreamErrorType;

export type ValidateUpstreamParameters = {
  /** The share of the model's revenue that flows to its parents, in PPM. */
  upstreamPpm: number;
  /** How many parents the model has. */
  parentCount: number;
};

/**
 * Checks a model's upstream share as the registry does: an integer in 0..PPM, and 0 when the model has no parents
 * (there is nobody to send it to).
 *
 * @throws {InvalidUpstreamError} whose `problem` says which rule failed and carries the share.
 *
 * @example
 * import { validateUpstream } from "./validateUpstream.js";
 * validateUpstream({ upstreamPpm: 200_000, parentCount: 1 }); // ok
 * validateUpstream({ upstreamPpm: 200_000, parentCount: 0 }); // throws: upstreamPpm is 200000 for a model without parents
 */
export function validateUpstream({ upstreamPpm, parentCount }: ValidateUpstreamParameters): void {
  if (!Number.isInteger(upstreamPpm) || upstreamPpm < 0 || BigInt(upstreamPpm) > PPM)
    throw new InvalidUpstreamError({ kind: "range", upstreamPpm });
  if (parentCount === 0 && upstreamPpm !== 0) throw new InvalidUpstreamError({ kind: "withoutParents", upstreamPpm });
}
