import { concat, keccak256, type Hex } from "viem";
import { rewordError } from "../internal/rewordError.js";
import { contributorLeaf } from "./contributorLeaf.js";
import { InvalidContributorsError, InvalidWeightsError, type InvalidWeightsErrorType } from "./errors.js";
import type { Contributor, ContributorEntry, ContributorTree } from "./types.js";
import { validateContributors } from "./validateContributors.js";

export type ContributorTreeErrorType = InvalidWeightsErrorType;

/** `keccak256` of two 32-byte words in ascending order (OpenZeppelin `Hashes.commutativeKeccak256`). */
function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/**
 * Builds the Merkle tree of a contributor set, exactly as the registry roots it and the router checks claims.
 *
 * Leaves are {@link contributorLeaf} of each entry, in list order, where `cumulativeBefore` is the sum of the
 * weights listed before the entry. Each level pairs nodes (0,1), (2,3), ... and hashes a pair in sorted order; an
 * odd node at the end of a level moves up unchanged. The root of one leaf is that leaf. Each entry's proof lists
 * its siblings bottom-up (a level where it moved up unchanged adds nothing), so OpenZeppelin
 * `MerkleProof.verify(proof, root, leaf)` accepts it.
 *
 * @param contributors - 1..MAX_CONTRIBUTORS entries with positive weights summing to PPM, in slice order.
 * @returns The root and every entry with its `cumulativeBefore`, leaf and proof.
 * @throws {InvalidWeightsError} when the set is empty or too long, a weight is not a positive integer, or the
 * weights do not sum to PPM ({@link validateContributors}).
 *
 * @example
 * import { contributorTree } from "./contributorTree.js";
 * import { Role } from "./constants.js";
 * const { root, entries } = contributorTree([
 *   { account: "0x0000000000000000000000000000000000000001", role: Role.PRETRAINING_COMPUTE, weightPpm: 600_000 },
 *   { account: "0x0000000000000000000000000000000000000002", role: Role.FINETUNING, weightPpm: 400_000 },
 * ]);
 */
export function contributorTree(contributors: readonly Contributor[]): ContributorTree {
  rewordError(
    InvalidContributorsError,
    () => validateContributors({ contributors }),
    ({ reason }) => {
      throw new InvalidWeightsError({ reason });
    },
  );
  let cumulative = 0;
  const leaves: Hex[] = [];
  const placed: Omit<ContributorEntry, "proof">[] = [];
  for (const { account, role, weightPpm } of contributors) {
    const leaf = contributorLeaf({ account, role, weightPpm, cumulativeBefore: cumulative });
    placed.push({ account, role, weightPpm, cumulativeBefore: cumulative, leaf });
    leaves.push(leaf);
    cumulative += weightPpm;
  }

  const levels: Hex[][] = [leaves];
  for (let level = leaves; level.length > 1;) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? hashPair(level[i]!, level[i + 1]!) : level[i]!);
    levels.push(next);
    level = next;
  }
  const root = levels[levels.length - 1]![0]!;

  const entries = placed.map((entry, leafIndex): ContributorEntry => {
    const proof: Hex[] = [];
    let index = leafIndex;
    for (const level of levels.slice(0, -1)) {
      const sibling = index ^ 1;
      if (sibling < level.length) proof.push(level[sibling]!);
      index >>= 1;
    }
    return { ...entry, proof };
  });
  return { root, entries };
}
