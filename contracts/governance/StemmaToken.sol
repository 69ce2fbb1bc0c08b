// SPDX-License-Identifier: MIT
// Stemma (contracts/governance/StemmaToken.sol)
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @dev One initial holding of the stewardship token.
struct Allocation {
    address holder;
    uint256 amount;
}

/**
 * @dev The stewardship DAO's votes token: a fixed supply minted once, at deployment, to the allocation the deployment
 * names. Nobody can mint later, so no key outside the DAO can buy itself a majority. Votes count only once a holder
 * delegates (to itself or to someone else), as in every ERC20Votes token; the clock is the block number.
 */
contract StemmaToken is ERC20, ERC20Permit, ERC20Votes {
    /// @dev Thrown when the deployment names no initial holder.
    error StemmaTokenEmptyAllocation();

    /// @dev Thrown when an allocation entry gives a holder nothing.
    error StemmaTokenZeroAllocation(uint256 index);

    /// @param allocation Who holds the whole supply at deployment, and how much each holds (18 decimals).
    constructor(Allocation[] memory allocation) ERC20("Stemma Stewardship", "STEM") ERC20Permit("Stemma Stewardship") {
        if (allocation.length == 0) revert StemmaTokenEmptyAllocation();
        for (uint256 i = 0; i < allocation.length; ++i) {
            if (allocation[i].amount == 0) revert StemmaTokenZeroAllocation(i);
            _mint(allocation[i].holder, allocation[i].amount);
        }
    }

    // The following functions are overrides required by Solidity.

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
