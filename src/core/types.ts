import type { Address, Hex } from "viem";

/**
 * Domain types shared by core, the indexer and the API. Field names and integer kinds follow the Solidity
 * structs and viem's decoding: `uint32` and enums (`uint8`) are `number`, `uint256` is `bigint`.
 */

/** One lineage edge (StemmaTypes.sol `ParentEdge`). The order of a model's edges fixes the slice order. */
export type ParentEdge = {
  parentId: Hex;
  /** A `Relation` value. */
  relation: number;
  /** Share of the model's upstream flow that goes to this parent, in PPM. A model's edges sum to PPM. */
  weightPpm: number;
};

/** One entry of a contributor set (StemmaTypes.sol `Contributor`). A set's weights sum to PPM. */
export type Contributor = {
  account: Address;
  /** A `Role` value. */
  role: number;
  /** Share of what the model keeps, in PPM. */
  weightPpm: number;
};

/** What a model asks of its derivatives (StemmaTypes.sol `Terms`). */
export type Terms = {
  derivativesAllowed: boolean;
  /** The least share of a child's revenue, in PPM, that must reach this model through the child's edge. */
  minDerivativePpm: number;
};

/** A contributor-set entry with its place in the cumulative split and its Merkle leaf and proof. */
export type ContributorEntry = Contributor & {
  /** The sum of the weights listed before this entry: the entry's key in the router's `claimed` mapping. */
  cumulativeBefore: number;
  /** `keccak256(bytes.concat(keccak256(abi.encode(account, role, weightPpm, cumulativeBefore))))`. */
  leaf: Hex;
  /** Sibling hashes, bottom-up, for OpenZeppelin `MerkleProof.verify`. */
  proof: readonly Hex[];
};

/** A contributor set as the router stores it (a root) and as claims present it (entries with proofs). */
export type ContributorTree = {
  root: Hex;
  entries: readonly ContributorEntry[];
};

/** A model's lifetime totals in one token (IRevenueRouter `ModelBalance`). */
export type ModelBalance = {
  received: bigint;
  upstream: bigint;
  pushed: bigint;
  kept: bigint;
};

/** An exact non-negative rational, reduced, with its value in PPM rounded down next to it. */
export type Share = {
  numerator: bigint;
  denominator: bigint;
  /** `floor(numerator * PPM / denominator)`. */
  ppm: bigint;
};

/** A contributor entry as the router's `claim`, `claimable` and `sweepContributor` take it (StemmaTypes.sol). */
export type ContributorClaim = Contributor & {
  modelId: Hex;
  epoch: number;
  cumulativeBefore: number;
  proof: Hex[];
};
