// SPDX-License-Identifier: MIT
// Stemma (test/sol/helpers/ReentrantHooks.sol)
pragma solidity ^0.8.24;

import {ITokenHooks} from "../../../contracts/mocks/HookToken.sol";
import {vm} from "./Vm.sol";

/**
 * @dev The hooks a hostile {HookToken} holder registers: armed with one call, the next hook that fires (before the
 * holder sends, or after it receives) makes that call, as `caller` when set (a steward starting an epoch), and
 * records what happened instead of reverting, so that the outer transfer goes on. Disarmed, the hooks do nothing.
 */
contract ReentrantHooks is ITokenHooks {
    address private _target;
    bytes private _data;
    address private _caller;

    /// @dev Whether the armed call ran, and its outcome.
    bool public fired;
    bool public succeeded;
    bytes public result;

    function arm(address target, bytes calldata data, address caller) external {
        _target = target;
        _data = data;
        _caller = caller;
        fired = false;
        succeeded = false;
        delete result;
    }

    function tokensToSend(address, address, uint256) external {
        _fire();
    }

    function tokensReceived(address, address, uint256) external {
        _fire();
    }

    function _fire() private {
        address target = _target;
        if (target == address(0)) return;
        _target = address(0);
        if (_caller != address(0)) vm.prank(_caller);
        (bool success, bytes memory returned) = target.call(_data);
        fired = true;
        succeeded = success;
        result = returned;
    }
}
