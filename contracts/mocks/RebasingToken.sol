// SPDX-License-Identifier: MIT
// Stemma (contracts/mocks/RebasingToken.sol)
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev An ERC-20 whose balances all scale by a factor anyone can set (in PPM of the stored shares): a negative
/// rebase (or a slash) leaves holders with less than they were sent. The router's allowlist keeps it out.
contract RebasingToken is ERC20 {
    uint256 private constant _ONE = 1_000_000;
    uint256 public factorPpm = _ONE;

    constructor() ERC20("Rebasing Token", "REBASE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, (amount * _ONE) / factorPpm);
    }

    function rebase(uint256 newFactorPpm) external {
        factorPpm = newFactorPpm;
    }

    function balanceOf(address account) public view override returns (uint256) {
        return (super.balanceOf(account) * factorPpm) / _ONE;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, (value * _ONE) / factorPpm);
    }
}
