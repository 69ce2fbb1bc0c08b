import { PPM } from "./constants.js";
import { ParentTermsError, type ParentTermsErrorType } from "./errors.js";
import type { Terms } from "./types.js";

export type ValidateParentTermsParameters = {
  /** The parent (its model id or key, to name it in the error) and its current terms. */
  parent: string;
  terms: Terms;
  /** The derivative's upstream share and the weight of its edge to this parent, in PPM. */
  upstreamPpm: number;
  weightPpm: number;
};

export type ValidateParentTermsErrorType = ParentTermsErrorType;

/**
 * Checks one edge of a new derivative against its parent's terms, as the registry does (ModelRegistry
 * `_checkParent`): the parent must allow derivatives, and the edge must send it at least its minimum share of the
 * derivative's revenue, compared exactly in the registry's units: `upstreamPpm * weightPpm >= minDerivativePpm * PPM`.
 *
 * @throws {ParentTermsError} whose `problem` says which rule failed (with `provided` and `required` for a share that
 * is too small).
 *
 * @example
 * import { validateParentTerms } from "./validateParentTerms.js";
 * const terms = { derivativesAllowed: true, minDerivativePpm: 50_000 };
 * validateParentTerms({ parent: "hf:org/base", terms, upstreamPpm: 100_000, weightPpm: 500_000 }); // ok: 5% exactly
 * validateParentTerms({ parent: "hf:org/base", terms, upstreamPpm: 99_999, weightPpm: 500_000 }); // throws
 */
export function validateParentTerms({ parent, terms, upstreamPpm, weightPpm }: ValidateParentTermsParameters): void {
  if (!terms.derivativesAllowed) throw new ParentTermsError({ kind: "derivativesRefused", parent });
  const provided = BigInt(upstreamPpm) * BigInt(weightPpm);
  const required = BigInt(terms.minDerivativePpm) * PPM;
  if (provided < required) throw new ParentTermsError({ kind: "belowMinimum", parent, provided, required });
}

/**
 * The share of a derivative's revenue that reaches a parent through one edge, in PPM, rounded down:
 * `floor(upstreamPpm * weightPpm / PPM)`.
 *
 * @example
 * import { edgeSharePpm } from "./validateParentTerms.js";
 * edgeSharePpm(200_000, 600_000); // 120_000n: 20% upstream x 60% weight = 12% of the revenue
 */
export function edgeSharePpm(upstreamPpm: number, weightPpm: number): bigint {
  return (BigInt(upstreamPpm) * BigInt(weightPpm)) / PPM;
}

/**
 * The least upstream share, in PPM, with which an edge of weight `weightPpm` satisfies a parent's minimum:
 * `ceil(minDerivativePpm * PPM / weightPpm)`. Above PPM when no upstream share can satisfy it through this edge.
 * Whether the parent allows derivatives at all is {@link validateParentTerms}'s question.
 *
 * @param weightPpm - The edge's weight, a positive integer.
 *
 * @example
 * import { minUpstreamPpm } from "./validateParentTerms.js";
 * minUpstreamPpm({ derivativesAllowed: true, minDerivativePpm: 50_000 }, 400_000); // 125_000n: 12.5% x 40% = 5%
 */
export function minUpstreamPpm(terms: Terms, weightPpm: number): bigint {
  const weight = BigInt(weightPpm);
  return (BigInt(terms.minDerivativePpm) * PPM + weight - 1n) / weight;
}
