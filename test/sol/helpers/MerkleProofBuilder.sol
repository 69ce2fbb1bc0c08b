// SPDX-License-Identifier: MIT
// Stemma (test/sol/helpers/MerkleProofBuilder.sol)
pragma solidity ^0.8.24;

/**
 * @dev A test-only Merkle tree builder, written independently of {LineageLib-merkleRoot}: it keeps every level in
 * a fresh array instead of hashing in place. Same shape as the contracts expect: pairs hash in sorted order
 * (OpenZeppelin's MerkleProof) and an odd node at the end of a level moves up unchanged. Inputs are never modified.
 */
library MerkleProofBuilder {
    /// @dev The root over `leaves` (at least one).
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        require(leaves.length != 0, "MerkleProofBuilder: no leaves");
        bytes32[] memory level = leaves;
        while (level.length > 1) level = _up(level);
        return level[0];
    }

    /// @dev The proof of `leaves[index]`: the sibling at each level, bottom up, skipping levels where it has none.
    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory result) {
        require(index < leaves.length, "MerkleProofBuilder: index out of range");
        bytes32[] memory siblings = new bytes32[](256);
        uint256 count = 0;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) siblings[count++] = level[sibling];
            level = _up(level);
            index /= 2;
        }
        result = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) result[i] = siblings[i];
    }

    function _up(bytes32[] memory level) private pure returns (bytes32[] memory parent) {
        parent = new bytes32[]((level.length + 1) / 2);
        for (uint256 i = 0; i < parent.length; ++i) {
            uint256 left = 2 * i;
            parent[i] = left + 1 < level.length ? _hashPair(level[left], level[left + 1]) : level[left];
        }
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}
