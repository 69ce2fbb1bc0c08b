// SPDX-License-Identifier: MIT
// Stemma (contracts/governance/StemmaTimelock.sol)
pragma solidity 0.8.37;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @dev The stewardship DAO's timelock: OpenZeppelin's {TimelockController} unchanged, under a name of its own so that
 * deployments and the indexer can tell it apart. It is the only holder of every administrative role of the registry
 * and the router, and the protocol treasury (fees and dismissed dispute bonds are paid to it). The governor is its
 * only proposer and canceller; anyone may execute a proposal once its delay has passed; it administers itself.
 */
contract StemmaTimelock is TimelockController {
    /**
     * @param minDelay Seconds between a proposal's queueing and its earliest execution.
     * @param proposers Accounts that may schedule and cancel operations (the deployment grants the governor later).
     * @param executors Accounts that may execute; `address(0)` lets anyone execute.
     * @param admin Temporary admin that wires the governor in and then renounces, or `address(0)`.
     */
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
