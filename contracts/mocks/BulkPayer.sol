// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/BulkPayer.sol)
pragma solidity 0.8.37;

import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {NATIVE_TOKEN} from "../interfaces/StemmaTypes.sol";

/**
 * @dev Benchmark helper: many ETH payments in one transaction, each a separate {IRevenueRouter-pay} call with its
 * own `Paid` event, so that a local chain can be seeded with 100,000 ledger events in a few hundred transactions.
 */
contract BulkPayer {
    /// @dev Thrown when `msg.value` is not `ids.length * amountEach`.
    error BulkPayerWrongValue(uint256 sent, uint256 expected);

    IRevenueRouter private immutable _router;

    constructor(IRevenueRouter router) {
        _router = router;
    }

    /// @dev Pays `amountEach` wei to each model in `ids`, in order.
    function payMany(bytes32[] calldata ids, uint256 amountEach) external payable {
        if (msg.value != ids.length * amountEach) revert BulkPayerWrongValue(msg.value, ids.length * amountEach);
        for (uint256 i = 0; i < ids.length; ++i) {
            _router.pay{value: amountEach}(ids[i], NATIVE_TOKEN, amountEach);
        }
    }
}
