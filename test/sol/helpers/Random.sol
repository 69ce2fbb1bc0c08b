// SPDX-License-Identifier: MIT
// Stemma (test/sol/helpers/Random.sol)
pragma solidity ^0.8.24;

import {PPM} from "../../../contracts/interfaces/StemmaTypes.sol";

/**
 * @dev Deterministic randomness for fuzz and invariant tests: every value derives from a seed with keccak, so a
 * failing run replays from its seed alone. Generators are skewed towards the values where rounding bites (tiny
 * amounts, weights of 1, shares of 0 and PPM).
 */
library Random {
    /// @dev The largest lifetime amount the router stores (112 bits).
    uint256 internal constant MAX_AMOUNT = type(uint112).max;

    /// @dev A fresh value derived from `seed` and `salt`.
    function next(uint256 seed, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, salt)));
    }

    /// @dev `x` mapped into `[min, max]` (modulo, so every value of the range is reachable).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "Random: min > max");
        if (min == 0 && max == type(uint256).max) return x;
        return min + (x % (max - min + 1));
    }

    /// @dev An amount of at least 1 whose order of magnitude is itself random: dust (1-3 wei, 3 in 8), up to 1e3
    /// (1 in 8), up to 1e12 (1 in 4) or up to 1e24 (1 in 4).
    function amount(uint256 seed) internal pure returns (uint256) {
        uint256 scale = seed % 8;
        uint256 value = seed >> 8;
        if (scale < 3) return bound(value, 1, 3);
        if (scale == 3) return bound(value, 1, 1e3);
        if (scale < 6) return bound(value, 1, 1e12);
        return bound(value, 1, 1e24);
    }

    /// @dev A share in PPM: 0, PPM, or anything in between.
    function share(uint256 seed) internal pure returns (uint32) {
        uint256 kind = seed % 4;
        if (kind == 0) return 0;
        if (kind == 1) return PPM;
        return uint32(bound(seed >> 8, 0, PPM));
    }

    /**
     * @dev `count` weights summing to exactly PPM, each at least 1 unless `allowZero`. Half of the lists draw raw
     * values of comparable size (1-100, balanced weights such as 30/10/60%), the other half mix zeros, tiny and huge
     * values (weights of 1 next to weights near PPM); the weights are the raw values' pro-rata parts of what is left
     * after the minimums.
     */
    function weights(uint256 seed, uint256 count, bool allowZero) internal pure returns (uint32[] memory result) {
        result = new uint32[](count);
        if (count == 0) return result;
        uint256 floorEach = allowZero ? 0 : 1;
        require(count * floorEach <= PPM, "Random: too many weights");
        uint256[] memory raw = new uint256[](count);
        uint256 rawTotal = 0;
        bool balanced = seed % 2 == 0;
        for (uint256 i = 0; i < count; ++i) {
            uint256 r = next(seed, i);
            uint256 kind = r % 4;
            r >>= 8;
            if (balanced) raw[i] = 1 + (r % 100);
            else if (kind == 0) raw[i] = r % 2;
            else if (kind == 1) raw[i] = r % 16;
            else if (kind == 2) raw[i] = r % 1e6;
            else raw[i] = r % 2 ** 64;
            rawTotal += raw[i];
        }
        uint256 spread = PPM - count * floorEach;
        uint256 given = 0;
        uint256 rawSoFar = 0;
        for (uint256 i = 0; i < count; ++i) {
            rawSoFar += raw[i];
            // Whatever the raw draws, the last weight takes the rest so that the sum is exactly PPM.
            uint256 upTo = i + 1 == count ? spread : (rawTotal == 0 ? 0 : (spread * rawSoFar) / rawTotal);
            result[i] = uint32(floorEach + upTo - given);
            given = upTo;
        }
    }
}
