import { MAX_PARENTS, PPM } from "./constants.js";
import { InvalidParentsError, type InvalidParentsErrorType } from "./errors.js";

export type ValidateParentsErrorType = InvalidParentsErrorType;

export type ValidateParentsParameters = {
  /**
   * The model's parents in slice order, each by whatever names it for the caller (a model id, or a key) and its
   * weight. Names compare exactly: ids are lowercase hex, keys canonical (validateKey).
   */
  parents: readonly { id: string; weightPpm: number }[];
  /** The model itself, named the same way: it cannot be its own parent. Not checked when absent. */
  self?: string | undefined;
};

/**
 * Checks a parent list as the registry does (ModelRegistry `_checkLineage`): at most MAX_PARENTS parents, each
 * weight a positive integer, no parent twice and none the model itself, and, when there are parents, weights that
 * sum to exactly PPM. No parents at all is a base model, which is valid. Problems are reported in that order
 * (the count, then entry by entry, then the sum).
 *
 * @throws {InvalidParentsError} whose `problem` carries the offending values (count, index and weight, the repeated
 * id and where it first stood, or the sum).
 *
 * @example
 * import { validateParents } from "./validateParents.js";
 * validateParents({ parents: [{ id: "hf:org/base", weightPpm: 600_000 }, { id: "hf:org/other", weightPpm: 400_000 }] }); // ok
 * validateParents({ parents: [{ id: "hf:org/base", weightPpm: 999_999 }] }); // throws: the edge weights sum to 999999
 */
export function validateParents({ parents, self }: ValidateParentsParameters): void {
  if (parents.length > MAX_PARENTS) throw new InvalidParentsError({ kind: "count", count: parents.length });
  const firstIndex = new Map<string, number>();
  let sum = 0n;
  for (const [index, { id, weightPpm }] of parents.entries()) {
    if (!Number.isSafeInteger(weightPpm) || weightPpm <= 0)
      throw new InvalidParentsError({ kind: "weight", index, weightPpm });
    const first = firstIndex.get(id);
    if (first !== undefined) throw new InvalidParentsError({ kind: "duplicate", index, firstIndex: first, id });
    if (id === self) throw new InvalidParentsError({ kind: "self", index, id });
    firstIndex.set(id, index);
    sum += BigInt(weightPpm);
  }
  if (parents.length > 0 && sum !== PPM) throw new InvalidParentsError({ kind: "sum", sum });
}
