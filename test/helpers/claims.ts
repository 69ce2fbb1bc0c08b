import { getAddress, type Hex } from "viem";

import { beneficiaryRoot } from "../../src/core/beneficiaryRoot.js";
import { contributorClaim } from "../../src/core/contributorClaim.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import type { ContributorTree } from "../../src/core/types.js";
import type { ContributorInput } from "./models.js";

/** `StemmaTypes.ContributorClaim`. */
export type ContributorClaim = {
  modelId: string;
  epoch: number;
  account: string;
  role: number;
  weightPpm: number;
  cumulativeBefore: number;
  proof: string[];
};

/** The Merkle root of a contributor set, as the registry computes it. */
export function rootOf(set: readonly ContributorInput[]): string {
  return treeOf(set).root;
}

/** The contributor tree of a set given with addresses in any case. */
function treeOf(set: readonly ContributorInput[]): ContributorTree {
  return contributorTree(
    set.map(({ account, role, weightPpm }) => ({ account: getAddress(account), role, weightPpm })),
  );
}

/** The root of the one-entry set a revoked model's beneficiary gets. */
export function beneficiaryRootOf(account: string): string {
  return beneficiaryRoot(getAddress(account));
}

/** Every entry of a contributor set as a claim for `modelId` in `epoch`, in slice order, with its proof. */
export function claimsOf(modelId: string, epoch: number, set: readonly ContributorInput[]): ContributorClaim[] {
  return treeOf(set).entries.map((entry) => contributorClaim({ ...entry, modelId: modelId as Hex, epoch }));
}

/** The entries of `account` in a contributor set, as claims. */
export function claimsFor(
  account: string | { address: string },
  modelId: string,
  epoch: number,
  set: readonly ContributorInput[],
): ContributorClaim[] {
  const address = typeof account === "string" ? account : account.address;
  return claimsOf(modelId, epoch, set).filter((entry) => entry.account === getAddress(address));
}

/** The beneficiary's entry of a revoked model's epoch (a one-leaf tree: empty proof). */
export function beneficiaryClaim(modelId: string, epoch: number, account: string): ContributorClaim {
  return { modelId, epoch, account, role: 10, weightPpm: 1_000_000, cumulativeBefore: 0, proof: [] };
}
