// SPDX-License-Identifier: MIT
// Stemma (contracts/libraries/SplitMath.sol)
pragma solidity ^0.8.24;

import {PPM} from "../interfaces/StemmaTypes.sol";

/**
 * @dev Stemma's rounding rules, all over PPM weights and all rounding down.
 *
 * - {slice}: cumulative rounding. Splitting `T` over ordered weights gives entry `i`
 *   `floor(T * C_i / PPM) - floor(T * C_{i-1} / PPM)`, where `C_i` is the sum of the first `i` weights. The slices
 *   add up to exactly `T`, but a middle entry's slice is NOT monotone in `T` (weights 30/10/60%: the middle slice
 *   is 1 of 3 and 0 of 4). So it is only paid on totals that can no longer grow: a closed contributor epoch.
 * - {share}: `floor(T * w / PPM)`, monotone and never above {slice}; what a contributor of the current epoch may
 *   claim while its epoch's total still grows.
 * - {splitTree}: cumulative rounding applied two ways at a time down a balanced binary tree. It adds up to exactly
 *   `T` and every entry's part is monotone in `T`, so lifetime totals can be pushed in any batches: how parents
 *   share a model's upstream.
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
        // floor(T * x / PPM) is non-decreasing in x, so the difference is never negative. (Non-decreasing in x, not
        // in T: see the library's notes.)
        unchecked {
            return (total * (cumulativeBefore + weightPpm)) / PPM - (total * cumulativeBefore) / PPM;
        }
    }

    /**
     * @dev The pro-rata share of `total` for weight `weightPpm`, rounded down.
     * @param total The amount split, below 2^112.
     * @param weightPpm The entry's weight, in PPM (at most PPM).
     * @return `floor(total * weightPpm / PPM)`, at most the entry's {slice} of `total`.
     */
    function share(uint256 total, uint256 weightPpm) internal pure returns (uint256) {
        // Safe: total < 2^112 and weightPpm <= PPM < 2^20.
        unchecked {
            return (total * weightPpm) / PPM;
        }
    }

    /**
     * @dev Splits `total` over the entries whose weights have the running sums `cumulative` (`cumulative[0] == 0`,
     * `cumulative[i]` the sum of the first `i` weights, at least one entry, positive weights). A range of entries
     * gives its first `ceil(n / 2)` entries `floor(amount * theirWeight / rangeWeight)` and the rest the remainder,
     * recursively. Each part is within `ceil(log2(n))` of its exact pro-rata share, the parts add up to `total`,
     * and no part ever shrinks when `total` grows (each two-way split is monotone on both sides).
     * @param total The amount split, below 2^112.
     * @param cumulative The running sums of the weights, `n + 1` values, the last at most PPM.
     * @return amounts Each entry's part, in order.
     */
    function splitTree(uint256 total, uint256[] memory cumulative) internal pure returns (uint256[] memory amounts) {
        return splitTreeGrowth(0, total, cumulative);
    }

    /**
     * @dev How much each entry's {splitTree} part grows when the total grows from `earlier` to `later`: what a
     * propagation moves to each parent. Computed in one descent that skips every range whose amount did not
     * change, which is most of them when little moves.
     * @param earlier The earlier total, at most `later`.
     * @param later The later total, below 2^112.
     * @param cumulative The running sums of the weights, as for {splitTree}.
     * @return growth Each entry's part of `later` less its part of `earlier` (never negative).
     */
    function splitTreeGrowth(
        uint256 earlier,
        uint256 later,
        uint256[] memory cumulative
    ) internal pure returns (uint256[] memory growth) {
        growth = new uint256[](cumulative.length - 1);
        growRange(earlier, later, cumulative, growth, 0, growth.length);
    }

    /// @dev {splitTreeGrowth} for the entries `[from, to)`, writing into `growth`.
    function growRange(
        uint256 earlier,
        uint256 later,
        uint256[] memory cumulative,
        uint256[] memory growth,
        uint256 from,
        uint256 to
    ) private pure {
        if (later == earlier) return;
        if (to - from == 1) {
            growth[from] = later - earlier;
            return;
        }
        uint256 middle = from + (to - from + 1) / 2;
        uint256 firstWeight = cumulative[middle] - cumulative[from];
        uint256 rangeWeight = cumulative[to] - cumulative[from];
        // Safe: amounts < 2^112, weights <= PPM < 2^20, and firstWeight <= rangeWeight, so each first part is at
        // most its total, and the first part of `later` is at least that of `earlier` (monotone floor).
        unchecked {
            uint256 firstEarlier = (earlier * firstWeight) / rangeWeight;
            uint256 firstLater = (later * firstWeight) / rangeWeight;
            growRange(firstEarlier, firstLater, cumulative, growth, from, middle);
            growRange(earlier - firstEarlier, later - firstLater, cumulative, growth, middle, to);
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
