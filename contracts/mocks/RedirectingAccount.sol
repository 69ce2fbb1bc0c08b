// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/RedirectingAccount.sol)
pragma solidity 0.8.37;

import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {ContributorClaim} from "../interfaces/StemmaTypes.sol";

/// @dev A contributor contract that refuses ETH (as a {RejectingReceiver}) but can have its claims paid elsewhere with
/// {IRevenueRouter-claimTo}: audit finding F7.
contract RedirectingAccount {
    error RedirectingAccountRefused();

    receive() external payable {
        revert RedirectingAccountRefused();
    }

    /// @dev Claims this account's `entries` in `token` for `recipient`.
    function claimTo(
        IRevenueRouter router,
        address token,
        ContributorClaim[] calldata entries,
        address recipient
    ) external returns (uint256) {
        return router.claimTo(token, entries, recipient);
    }
}
