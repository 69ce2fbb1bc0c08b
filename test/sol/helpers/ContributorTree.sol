// SPDX-License-Identifier: MIT
// Stemma (test/sol/helpers/ContributorTree.sol)
pragma solidity ^0.8.24;

import {Contributor, ContributorClaim} from "../../../contracts/interfaces/StemmaTypes.sol";
import {LineageLib} from "../../../contracts/libraries/LineageLib.sol";
import {MerkleProofBuilder} from "./MerkleProofBuilder.sol";

/// @dev Builds what a claim presents from a contributor set the test keeps: leaves, the root, and entries with proofs.
library ContributorTree {
    /// @dev The leaves of `set`, in slice order.
    function leaves(Contributor[] memory set) internal pure returns (bytes32[] memory result) {
        result = new bytes32[](set.length);
        uint32 cumulative = 0;
        for (uint256 i = 0; i < set.length; ++i) {
            result[i] = LineageLib.contributorLeaf(set[i].account, set[i].role, set[i].weightPpm, cumulative);
            cumulative += set[i].weightPpm;
        }
    }

    /// @dev The root the registry should have stored for `set`.
    function root(Contributor[] memory set) internal pure returns (bytes32) {
        return MerkleProofBuilder.root(leaves(set));
    }

    /// @dev The sum of the weights listed before `set[index]`.
    function cumulativeBefore(Contributor[] memory set, uint256 index) internal pure returns (uint32 cumulative) {
        for (uint256 i = 0; i < index; ++i) cumulative += set[i].weightPpm;
    }

    /// @dev The claim entry of `set[index]` in `epoch` of `modelId`, with its proof.
    function entry(
        bytes32 modelId,
        uint32 epoch,
        Contributor[] memory set,
        uint256 index
    ) internal pure returns (ContributorClaim memory) {
        return
            ContributorClaim({
                modelId: modelId,
                epoch: epoch,
                account: set[index].account,
                role: set[index].role,
                weightPpm: set[index].weightPpm,
                cumulativeBefore: cumulativeBefore(set, index),
                proof: MerkleProofBuilder.proof(leaves(set), index)
            });
    }
}
