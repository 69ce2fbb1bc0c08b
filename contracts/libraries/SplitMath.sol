// SPDX-License-Identifier: MIT
// Stemma (contracts/libraries/SplitMath.sol)
pragma solidity ^0.8.24;

import {PPM} from "../interfaces/StemmaTypes.sol";

/**
 * @dev The one rounding rule of Stemma: cumulative rounding over PPM weights. Splitting a total `T` over ordered
 * weights gives entry `i` the slice `floor(T * C_i / PPM) - floor(T * C_{i-1} / PPM)`, where `C_i` is the sum of
 * the first `i` weights. The slices of a full set add up to exactly `T`, and the slice of a larger total is never
 * smaller, so paying "slice of the lifetime total minus slice of what was paid before" never strands a wei.
 *
 * Every function expects what the router guarantees: amounts are lifetime totals below 2^112 and shares and
 * cumulative weights are at most PPM < 2^20, so products stay below 2^132 and the arithmetic is unchecked.
 * `src/core/splitMath.ts` is the bigint twin of this library; both run `test/helpers/vectors/splits.json`.
 */
library SplitMath {
    /**
     * @dev The slice of `total` that belongs to an entry of weight `weightPpm` listed after entries weighing
     * `cumulativeBefore` in all.
     * @param total The amount split, below 2^112.
     * @param cumulativeBefore The sum of the weights before the entry, in PPM.
     * @param weightPpm The entry's weight, in PPM; `cumulativeBefore + weightPpm <= PPM`.
     * @return The entry's slice.
     */
    function slice(uint256 total, uint256 cumulativeBefore, uint256 weightPpm) internal pure returns (uint256) {
        // Safe: total < 2^112 and cumulativeBefore + weightPpm <= PPM < 2^20, so no product reaches 2^132, and
        // floor(T * x / PPM) is non-decreasing in x, so the difference is never negative.
        unchecked {
            return (total * (cumulativeBefore + weightPpm)) / PPM - (total * cumulativeBefore) / PPM;
        }
    }

    /**
     * @dev The part of a model's lifetime `received` that flows to its parents.
     * @param received Lifetime received amount, below 2^112.
     * @param upstreamPpm The model's upstream share, in PPM.
     * @return `floor(received * upstreamPpm / PPM)`.
     */
    function upstreamOf(uint256 received, uint256 upstreamPpm) internal pure returns (uint256) {
        // Safe: received < 2^112 and upstreamPpm <= PPM < 2^20.
        unchecked {
            return (received * upstreamPpm) / PPM;
        }
    }

    /**
     * @dev The part of a model's lifetime `received` that its contributors share.
     * @param received Lifetime received amount, below 2^112.
     * @param upstreamPpm The model's upstream share, in PPM.
     * @return `received - upstreamOf(received, upstreamPpm)`.
     */
    function keptOf(uint256 received, uint256 upstreamPpm) internal pure returns (uint256) {
        // Safe: upstreamPpm <= PPM, so upstreamOf(received) <= received.
        unchecked {
            return received - upstreamOf(received, upstreamPpm);
        }
    }
}
