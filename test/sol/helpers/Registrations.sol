// SPDX-License-Identifier: MIT
// Stemma (test/sol/helpers/Registrations.sol)
pragma solidity ^0.8.24;

import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {ParentEdge, Contributor, Terms} from "../../../contracts/interfaces/StemmaTypes.sol";

/// @dev Registrations for tests whose models all allow any derivative: the calling contract is the steward, the
/// model's terms are open, and so are the terms it expects of every parent.
library Registrations {
    function open(
        string memory key,
        uint32 upstreamPpm,
        ParentEdge[] memory parents,
        Contributor[] memory set,
        bytes32 weightsDigest
    ) internal view returns (IModelRegistry.Registration memory) {
        Terms[] memory expected = new Terms[](parents.length);
        for (uint256 i = 0; i < parents.length; ++i) expected[i] = _openTerms();
        return
            IModelRegistry.Registration({
                key: key,
                steward: address(this),
                upstreamPpm: upstreamPpm,
                parents: parents,
                expectedParentTerms: expected,
                contributors: set,
                terms: _openTerms(),
                weightsDigest: weightsDigest,
                metadataURI: "",
                license: "MIT"
            });
    }

    function _openTerms() private pure returns (Terms memory) {
        return Terms({derivativesAllowed: true, minDerivativePpm: 0});
    }
}
