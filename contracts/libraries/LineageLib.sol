// SPDX-License-Identifier: MIT
// Stemma (contracts/libraries/LineageLib.sol)
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {Role, PPM} from "../interfaces/StemmaTypes.sol";

/**
 * @dev Commitments to lineage data: model keys, contributor-set Merkle trees and the beneficiary's one-entry set.
 * `src/core/` computes the same hashes in TypeScript.
 */
library LineageLib {
    uint256 internal constant MAX_KEY_LENGTH = 128;

    /**
     * @dev Whether `key` is canonical: 1..128 bytes of printable ASCII (0x20-0x7e) with no space (0x20) first or last,
     * and, when its prefix is `hf:` in any case, no uppercase letter (A-Z) and no space at all. Hugging Face
     * repository ids are case-insensitive and have no spaces, so `hf:meta-llama/llama-3.1-8b` is the one key of that
     * model and lookalikes (`hf:Meta-Llama/llama-3.1-8b`, `HF:meta-llama/llama-3.1-8b`, a trailing space) are refused
     * rather than registered as other models. Other namespaces keep their case. `src/core/validateKey.ts` states the
     * same rule and `canonicalKey` converts what a user types.
     * @param key A canonical model key such as `hf:org/name`.
     * @return True when the key is valid.
     */
    function isValidKey(string calldata key) internal pure returns (bool) {
        bytes calldata raw = bytes(key);
        uint256 length = raw.length;
        if (length == 0 || length > MAX_KEY_LENGTH) return false;
        if (raw[0] == 0x20 || raw[length - 1] == 0x20) return false;
        // `| 0x20` lowercases an ASCII letter (and maps only `H`/`h` to `h`, `F`/`f` to `f`).
        bool hf = length > 2 && (raw[0] | 0x20) == "h" && (raw[1] | 0x20) == "f" && raw[2] == ":";
        for (uint256 i = 0; i < length; ++i) {
            bytes1 b = raw[i];
            if (b < 0x20 || b > 0x7e) return false;
            // A space, or an uppercase letter: `A` (0x41) to `Z` (0x5a).
            if (hf && (b == 0x20 || (b > 0x40 && b < 0x5b))) return false;
        }
        return true;
    }

    /**
     * @dev The Merkle leaf of a contributor entry. Hashed twice so that no leaf can pass for an inner node.
     * @param account The contributor.
     * @param role Its cost layer.
     * @param weightPpm Its weight, in PPM.
     * @param cumulativeBefore The sum of the weights listed before it, in PPM.
     * @return leaf The leaf.
     */
    function contributorLeaf(
        address account,
        Role role,
        uint32 weightPpm,
        uint32 cumulativeBefore
    ) internal pure returns (bytes32 leaf) {
        // Gas: equals keccak256(bytes.concat(keccak256(abi.encode(account, role, weightPpm, cumulativeBefore)))),
        // hashed in scratch memory instead of two freshly allocated buffers (it runs once per contributor at
        // registration and once per entry in a claim). Inputs are masked to their types' widths as abi.encode does.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x20), and(role, 0xff))
            mstore(add(ptr, 0x40), and(weightPpm, 0xffffffff))
            mstore(add(ptr, 0x60), and(cumulativeBefore, 0xffffffff))
            mstore(0x00, keccak256(ptr, 0x80))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /**
     * @dev The root of the tree over `leaves`, in order: pairs hash sorted (as OpenZeppelin's MerkleProof expects)
     * and an odd last node moves up unchanged. Overwrites `leaves`.
     * @param leaves At least one leaf.
     * @return The root.
     */
    function merkleRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 count = leaves.length;
        while (count > 1) {
            uint256 next = 0;
            // In place: slot `next` (= i / 2) is written only after slots i and i + 1 (both >= next) are read.
            // Gas: `next++` as the index costs about 24 gas less per leaf than a separate `++next` (bench:gas).
            for (uint256 i = 0; i < count; i += 2) {
                // solhint-disable-next-line gas-increment-by-one
                leaves[next++] = i + 1 < count ? Hashes.commutativeKeccak256(leaves[i], leaves[i + 1]) : leaves[i];
            }
            count = next;
        }
        return leaves[0];
    }

    /**
     * @dev The root of the one-entry set that gives a revoked model's funds to its beneficiary.
     * @param account The beneficiary.
     * @return The root (the entry's leaf).
     */
    function beneficiaryRoot(address account) internal pure returns (bytes32) {
        return contributorLeaf(account, Role.OTHER, PPM, 0);
    }
}
