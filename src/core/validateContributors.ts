import { MAX_CONTRIBUTORS, PPM } from "./constants.js";
import { InvalidContributorsError, type InvalidContributorsErrorType } from "./errors.js";
import type { Contributor } from "./types.js";

export type ValidateContributorsErrorType = InvalidContributorsErrorType;

export type ValidateContributorsParameters = {
  /** The set in slice order. */
  contributors: readonly Pick<Contributor, "account" | "role" | "weightPpm">[];
  /**
   * Refuse the same account twice in the same role. The registry accepts such a set (an account may hold several
   * entries); people describing a model by hand almost always mean one entry. @default false
   */
  distinct?: boolean | undefined;
};

/**
 * Checks a contributor set as the registry does (ModelRegistry `_contributorsRoot`): 1 to MAX_CONTRIBUTORS entries,
 * each weight a positive integer, weights summing to exactly PPM; with `distinct`, also no account twice in the
 * same role (accounts compare case-insensitively). Problems are reported in that order (the count, then entry by
 * entry, then the sum).
 *
 * @throws {InvalidContributorsError} whose `problem` carries the offending values.
 *
 * @example
 * import { validateContributors } from "./validateContributors.js";
 * import { Role } from "./constants.js";
 * validateContributors({
 *   contributors: [{ account: "0x0000000000000000000000000000000000000001", role: Role.FINETUNING, weightPpm: 1_000_000 }],
 * }); // ok
 * validateContributors({ contributors: [] }); // throws: a contributor set has 0 entries, not 1..1000
 */
export function validateContributors({ contributors, distinct = false }: ValidateContributorsParameters): void {
  if (contributors.length === 0 || contributors.length > MAX_CONTRIBUTORS)
    throw new InvalidContributorsError({ kind: "count", count: contributors.length });
  const firstIndex = new Map<string, number>();
  let sum = 0n;
  for (const [index, { account, role, weightPpm }] of contributors.entries()) {
    if (!Number.isSafeInteger(weightPpm) || weightPpm <= 0)
      throw new InvalidContributorsError({ kind: "weight", index, weightPpm });
    if (distinct) {
      const identity = `${account.toLowerCase()}:${role}`;
      const first = firstIndex.get(identity);
      if (first !== undefined)
        throw new InvalidContributorsError({ kind: "duplicate", index, firstIndex: first, account, role });
      firstIndex.set(identity, index);
    }
    sum += BigInt(weightPpm);
  }
  if (sum !== PPM) throw new InvalidContributorsError({ kind: "sum", sum });
}
