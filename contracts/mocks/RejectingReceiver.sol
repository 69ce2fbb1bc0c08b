// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/RejectingReceiver.sol)
pragma solidity 0.8.37;

/// @dev A contract that refuses ETH, to test that a failed payout reverts without moving state.
contract RejectingReceiver {
    receive() external payable {
        revert("no ETH");
    }
}
