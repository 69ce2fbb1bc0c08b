// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/BlacklistToken.sol)
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev An ERC-20 that refuses transfers to or from blacklisted accounts, as some stablecoins do.
contract BlacklistToken is ERC20 {
    mapping(address account => bool) public blacklisted;

    error BlacklistTokenBlocked(address account);

    constructor() ERC20("Blacklist Token", "BLOCK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlacklisted(address account, bool value) external {
        blacklisted[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blacklisted[from]) revert BlacklistTokenBlocked(from);
        if (blacklisted[to]) revert BlacklistTokenBlocked(to);
        super._update(from, to, value);
    }
}
