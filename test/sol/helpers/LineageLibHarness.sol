// SPDX-License-Identifier: MIT
// Stemma (test/sol/helpers/LineageLibHarness.sol)
pragma solidity ^0.8.24;

import {LineageLib} from "../../../contracts/libraries/LineageLib.sol";

/// @dev Exposes the calldata-only functions of {LineageLib} to tests.
contract LineageLibHarness {
    function isValidKey(string calldata key) external pure returns (bool) {
        return LineageLib.isValidKey(key);
    }
}
