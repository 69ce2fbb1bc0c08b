// SPDX-License-Identifier: MIT
// Stemma (test/sol/helpers/LedgerDeployment.sol)
pragma solidity ^0.8.24;

import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../../../contracts/interfaces/IRevenueRouter.sol";
import {ModelRegistry} from "../../../contracts/lineage/ModelRegistry.sol";
import {RevenueRouter} from "../../../contracts/revenue/RevenueRouter.sol";

/// @dev Deploys a router and its registry, bound to each other, with the calling contract holding every role and
/// acting as the treasury.
library LedgerDeployment {
    function deploy(
        uint32 feePpm,
        uint256 disputeBond
    ) internal returns (RevenueRouter router, ModelRegistry registry) {
        router = new RevenueRouter(address(this), address(this), feePpm);
        registry = new ModelRegistry(
            address(this),
            IRevenueRouter(address(router)),
            disputeBond,
            new address[](0),
            0,
            IModelRegistry.TrustPeriods({provisional: 0, disputeCooldown: 0, epochRenewal: 0})
        );
        router.bindRegistry(address(registry));
    }
}
