// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/HookToken.sol)
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev What a holder of {HookToken} registers to be called around its transfers.
interface ITokenHooks {
    /// @dev Called on the sender before any balance moves (ERC-777's `tokensToSend`).
    function tokensToSend(address from, address to, uint256 amount) external;

    /// @dev Called on the recipient after the balances moved (ERC-777's `tokensReceived`).
    function tokensReceived(address from, address to, uint256 amount) external;
}

/// @dev An ERC-777-style ERC-20: an account can register a hook contract that the token calls before it sends
/// (with balances unchanged) and after it receives. A hook may reenter anything, as a hostile token's would.
contract HookToken is ERC20 {
    mapping(address account => ITokenHooks) public hooksOf;

    constructor() ERC20("Hook Token", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHooks(ITokenHooks hooks) external {
        hooksOf[msg.sender] = hooks;
    }

    function _update(address from, address to, uint256 value) internal override {
        ITokenHooks senderHooks = hooksOf[from];
        if (from != address(0) && address(senderHooks) != address(0)) senderHooks.tokensToSend(from, to, value);
        super._update(from, to, value);
        ITokenHooks recipientHooks = hooksOf[to];
        if (to != address(0) && address(recipientHooks) != address(0)) recipientHooks.tokensReceived(from, to, value);
    }
}
