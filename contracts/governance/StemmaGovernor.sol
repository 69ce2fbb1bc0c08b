// SPDX-License-Identifier: MIT
// Stemma (contracts/governance/StemmaGovernor.sol)
pragma solidity 0.8.37;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorPreventLateQuorum} from "@openzeppelin/contracts/governance/extensions/GovernorPreventLateQuorum.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @dev The values a deployment chooses. Durations are in the token's clock unit: blocks.
struct GovernorParams {
    /// @dev Blocks between a proposal and the start of its vote.
    uint48 votingDelay;
    /// @dev Blocks the vote stays open.
    uint32 votingPeriod;
    /// @dev Votes (18 decimals) an account needs to make a proposal.
    uint256 proposalThreshold;
    /// @dev Share of the total supply, in percent, that must vote For or Abstain for a proposal to pass.
    uint256 quorumPercent;
    /// @dev Blocks a vote stays open at least after it first reaches quorum.
    uint48 lateQuorumVoteExtension;
}

/**
 * @dev The stewardship DAO's governor: OpenZeppelin's {Governor} with adjustable settings, For/Against/Abstain
 * counting, votes from {StemmaToken}, a quorum as a fraction of the supply, execution through {StemmaTimelock}, and
 * protection against a late quorum (a vote that reaches quorum near its deadline stays open a while longer, so a
 * whale cannot swing a proposal at the last block). Every setting can only be changed by a proposal.
 *
 * Every administrative power of the ledger (dispute resolution and bond size, placeholder assignment, the protocol
 * fee, token blocking, treasury grants) is a role of the timelock, so it runs as: propose, vote, queue, wait,
 * execute.
 */
contract StemmaGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    GovernorPreventLateQuorum
{
    /**
     * @param token The votes token.
     * @param timelock The timelock that executes proposals and holds the ledger's roles.
     * @param params Voting delay and period, proposal threshold, quorum and late-quorum extension.
     */
    constructor(
        IVotes token,
        TimelockController timelock,
        GovernorParams memory params
    )
        Governor("Stemma Stewardship DAO")
        GovernorSettings(params.votingDelay, params.votingPeriod, params.proposalThreshold)
        GovernorVotes(token)
        GovernorVotesQuorumFraction(params.quorumPercent)
        GovernorTimelockControl(timelock)
        GovernorPreventLateQuorum(params.lateQuorumVoteExtension)
    {}

    // The following functions are overrides required by Solidity.

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalDeadline(
        uint256 proposalId
    ) public view override(Governor, GovernorPreventLateQuorum) returns (uint256) {
        return super.proposalDeadline(proposalId);
    }

    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _tallyUpdated(uint256 proposalId) internal override(Governor, GovernorPreventLateQuorum) {
        super._tallyUpdated(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
