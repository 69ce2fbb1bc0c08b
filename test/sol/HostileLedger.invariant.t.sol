// SPDX-License-Identifier: MIT
// Stemma (test/sol/HostileLedger.invariant.t.sol)
pragma solidity ^0.8.24;

import {NATIVE_TOKEN} from "../../contracts/interfaces/StemmaTypes.sol";
import {BlacklistToken} from "../../contracts/mocks/BlacklistToken.sol";
import {HookToken} from "../../contracts/mocks/HookToken.sol";
import {RebasingToken} from "../../contracts/mocks/RebasingToken.sol";
import {RejectingReceiver} from "../../contracts/mocks/RejectingReceiver.sol";
import {LedgerHandler} from "./handlers/LedgerHandler.sol";
import {LedgerInvariantBase} from "./Ledger.invariant.t.sol";
import {ReentrantHooks} from "./helpers/ReentrantHooks.sol";

/**
 * @dev The ledger invariants with hostile tokens and recipients (issue 13, F3, F7, F9): conservation holds or the
 * token is refused. Payments are in ETH, an ERC-777-style token whose hooks reenter the router and the registry
 * during payments and claims, and a token that blacklists one actor; another actor is a contract that refuses ETH.
 * The router runs in allowlist mode with those three allowed, so a rebasing token is refused. See
 * {LedgerHandler-useHostileTokens}.
 */
contract HostileLedgerInvariantTest is LedgerInvariantBase {
    uint256 private constant SEQUENCE_STEPS = 150;

    function setUp() public {
        HookToken hookToken = new HookToken();
        BlacklistToken blacklistToken = new BlacklistToken();
        address[] memory tokens = new address[](3);
        tokens[0] = NATIVE_TOKEN;
        tokens[1] = address(hookToken);
        tokens[2] = address(blacklistToken);
        _deploy(tokens);
        _router.setAllowlistOnly(true);
        _router.setTokensAllowed(tokens, true);
        _handler.useHostileTokens(
            LedgerHandler.Hostile({
                hookToken: hookToken,
                blacklistToken: blacklistToken,
                refusedToken: address(new RebasingToken()),
                rejecting: address(new RejectingReceiver()),
                hooks: new ReentrantHooks()
            })
        );
        _seedLineage();
    }

    /// @dev Every check of {LedgerInvariantBase} in one campaign (conservation, flows, disputes, bonds).
    function invariant_hostileTokensConserve() public view {
        _assertAll();
    }

    /// @dev The same after every step of a seeded random sequence.
    /// hardhat-config: fuzz.runs = 8
    function testFuzz_randomSequence(uint256 seed) public {
        _runSequence(seed, SEQUENCE_STEPS);
    }
}
