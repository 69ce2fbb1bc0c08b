import type { Address, Hex } from "viem";
import { PPM, Role } from "./constants.js";
import { contributorLeaf } from "./contributorLeaf.js";

/**
 * The root of the contributor set the router starts when a dispute is upheld: the single entry
 * `(beneficiary, Role.OTHER, PPM, 0)`. A one-leaf tree's root is its leaf.
 *
 * @param beneficiary - The account the administrators named.
 *
 * @example
 * import { beneficiaryRoot } from "./beneficiaryRoot.js";
 * beneficiaryRoot("0x0000000000000000000000000000000000000001");
 */
export function beneficiaryRoot(beneficiary: Address): Hex {
  return contributorLeaf({ account: beneficiary, role: Role.OTHER, weightPpm: Number(PPM), cumulativeBefore: 0 });
}
