import type { Hex } from "viem";
import type { ContributorClaim } from "./types.js";

export type ContributorClaimParameters = Omit<ContributorClaim, "proof"> & {
  proof: readonly Hex[];
};

/**
 * An entry in the exact shape the router's `claim`, `claimable` and `sweepContributor` take (StemmaTypes.sol
 * `ContributorClaim`), dropping whatever else the entry carries (its leaf, an owed amount).
 *
 * @param entry - A contributor entry with its model, epoch and proof: an engine `OwedEntry`, or a
 *   `contributorTree` entry spread with `modelId` and `epoch`.
 *
 * @example
 * import { contributorClaim } from "./contributorClaim.js";
 * const claims = ledger.claimableEntries(account, token).map(contributorClaim);
 * // await router.write.claim([token, claims]);
 */
export function contributorClaim({
  modelId,
  epoch,
  account,
  role,
  weightPpm,
  cumulativeBefore,
  proof,
}: ContributorClaimParameters): ContributorClaim {
  return { modelId, epoch, account, role, weightPpm, cumulativeBefore, proof: [...proof] };
}
