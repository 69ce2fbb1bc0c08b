// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/RejectingReceiver.sol)
pragma solidity 0.8.37;

/// @dev A contract that refuses ETH, to test that a failed payout reverts without moving state.
contract RejectingReceiver {
    error RejectingReceiverRefused();

    receive() external payable {
        revert RejectingReceiverRefused();
    }
}
