import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

export type ContributorLeafParameters = {
  account: Address;
  /** A `Role` value (the Solidity enum, encoded as a `uint8` word). */
  role: number;
  /** The entry's weight, in PPM. */
  weightPpm: number;
  /** The sum of the weights listed before the entry. */
  cumulativeBefore: number;
};

/**
 * The Merkle leaf of a contributor-set entry, as the router checks it:
 * `keccak256(bytes.concat(keccak256(abi.encode(account, role, weightPpm, cumulativeBefore))))`.
 * Hashing twice keeps a leaf from ever equalling an inner node (OpenZeppelin's standard leaf).
 *
 * @example
 * import { contributorLeaf } from "./contributorLeaf.js";
 * import { Role } from "./constants.js";
 * contributorLeaf({ account: "0x0000000000000000000000000000000000000001", role: Role.OTHER, weightPpm: 1_000_000, cumulativeBefore: 0 });
 */
export function contributorLeaf({ account, role, weightPpm, cumulativeBefore }: ContributorLeafParameters): Hex {
  const encoded = encodeAbiParameters(
    [{ type: "address" }, { type: "uint8" }, { type: "uint32" }, { type: "uint32" }],
    [account.toLowerCase() as Address, role, weightPpm, cumulativeBefore],
  );
  return keccak256(keccak256(encoded));
}
