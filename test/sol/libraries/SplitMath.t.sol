// SPDX-License-Identifier: MIT
// Stemma (test/sol/libraries/SplitMath.t.sol)
pragma solidity ^0.8.24;

import {PPM} from "../../../contracts/interfaces/StemmaTypes.sol";
import {SplitMath} from "../../../contracts/libraries/SplitMath.sol";
import {Random} from "../helpers/Random.sol";
import {vm} from "../helpers/Vm.sol";

/**
 * @dev Properties of the rounding rules over random weight lists and totals, and the vectors shared with
 * `src/core/splitMath.ts`: cumulative rounding ({SplitMath-slice}, SPEC.md "Cumulative rounding": exact, but not
 * monotone in the total for a middle entry), and the two monotone rules the router pays growing totals with:
 * {SplitMath-share} (an open contributor epoch) and {SplitMath-splitTree} (a model's parents; a propagation moves
 * {SplitMath-splitTreeGrowth}).
 */
contract SplitMathTest {
    using Random for uint256;

    string private constant VECTORS = "test/helpers/vectors/splits.json";

    // ---------------------------------------------------------------- slice

    /// @dev The slices of a full weight list add up to exactly the total, and every prefix of them to the
    /// cumulative floor `floor(T * C_k / PPM)`.
    function testFuzz_slice_sumsToTotal(uint256 total, uint256 seed) public pure {
        total = total.bound(0, Random.MAX_AMOUNT);
        uint256 count = seed.bound(1, 64);
        uint32[] memory weights = Random.weights(seed.next(0), count, true);
        uint256 sum = 0;
        uint256 cumulative = 0;
        for (uint256 i = 0; i < count; ++i) {
            sum += SplitMath.slice(total, cumulative, weights[i]);
            cumulative += weights[i];
            require(sum == (total * cumulative) / PPM, "prefix of slices is not the cumulative floor");
        }
        require(cumulative == PPM, "weights do not sum to PPM");
        require(sum == total, "slices do not add up to the total");
    }

    /// @dev Small totals, where rounding dominates, also split exactly.
    function testFuzz_slice_sumsToSmallTotal(uint256 total, uint256 seed) public pure {
        testFuzz_slice_sumsToTotal(total.bound(0, 1_000), seed);
    }

    /// @dev Each slice is the entry's pro-rata part, rounded down or up: never a whole wei off.
    function testFuzz_slice_withinOneWeiOfProRata(uint256 total, uint256 cumulativeBefore, uint256 weight) public pure {
        total = total.bound(0, Random.MAX_AMOUNT);
        cumulativeBefore = cumulativeBefore.bound(0, PPM);
        weight = weight.bound(0, PPM - cumulativeBefore);
        uint256 part = SplitMath.slice(total, cumulativeBefore, weight);
        uint256 lower = (total * weight) / PPM;
        uint256 upper = lower + ((total * weight) % PPM == 0 ? 0 : 1);
        require(part >= lower && part <= upper, "slice is more than a wei off its pro-rata part");
    }

    /**
     * @dev Why the router needs {SplitMath-share} and {SplitMath-splitTree}: a middle entry's cumulative-rounding
     * slice is NOT monotone in the total. Weights (30%, 10%, 60%), totals 3 then 4: the middle slice goes from 1 to 0
     * (floor(1.2) - floor(0.9) = 1, floor(1.6) - floor(1.2) = 0). Paying "slice of the new lifetime total minus slice
     * of the old" would underflow, and paying a slice of a total that still grows can overpay. This is expected;
     * the router only pays slices of final totals (closed epochs). The monotone rules give 0 then 0 ({share}) and
     * parts (0, 1, 2) then (0, 1, 3) ({splitTree}).
     */
    function test_slice_notMonotoneForMiddleEntry() public pure {
        require(SplitMath.slice(3, 300_000, 100_000) == 1, "middle slice of 3 is not 1");
        require(SplitMath.slice(4, 300_000, 100_000) == 0, "middle slice of 4 is not 0");
        require(SplitMath.share(3, 100_000) == 0 && SplitMath.share(4, 100_000) == 0, "middle share is not 0, 0");
        uint256[] memory cumulative = _cumulative3(300_000, 100_000, 600_000);
        _requireParts(SplitMath.splitTree(3, cumulative), 0, 1, 2, "splitTree(3) over 30/10/60");
        _requireParts(SplitMath.splitTree(4, cumulative), 0, 1, 3, "splitTree(4) over 30/10/60");
    }

    /// @dev The first and the last entry of a list are monotone in the total whatever the other weights.
    function testFuzz_slice_monotoneForFirstAndLastEntry(uint256 total, uint256 growth, uint256 weight) public pure {
        total = total.bound(0, Random.MAX_AMOUNT - 4);
        growth = growth.bound(0, 3);
        weight = weight.bound(0, PPM);
        require(SplitMath.slice(total + growth, 0, weight) >= SplitMath.slice(total, 0, weight), "first entry shrank");
        uint256 before = PPM - weight;
        require(
            SplitMath.slice(total + growth, before, weight) >= SplitMath.slice(total, before, weight),
            "last entry shrank"
        );
    }

    // ---------------------------------------------------------------- share

    /// @dev For every entry of a full weight list, `share` is the floor of its pro-rata part and at most its slice,
    /// never a whole wei below it: an open epoch pays at most the final slice and leaves under 1 wei per entry.
    function testFuzz_share_atMostSliceAndWithinOneWei(uint256 total, uint256 seed) public pure {
        total = seed % 2 == 0 ? total.bound(0, 1_000) : total.bound(0, Random.MAX_AMOUNT);
        uint256 count = (seed >> 1).bound(1, 64);
        uint32[] memory weights = Random.weights(seed.next(0), count, true);
        uint256 cumulative = 0;
        uint256 shares = 0;
        for (uint256 i = 0; i < count; ++i) {
            uint256 part = SplitMath.share(total, weights[i]);
            uint256 exact = SplitMath.slice(total, cumulative, weights[i]);
            require(part == (total * weights[i]) / PPM, "share is not the floor of the pro-rata part");
            require(part <= exact, "share exceeds the slice");
            require(exact - part <= 1, "share is a whole wei or more below the slice");
            cumulative += weights[i];
            shares += part;
        }
        require(shares <= total && total - shares < count, "shares do not add up to the total less under 1 wei each");
    }

    /// @dev `share` never shrinks when the total grows (small steps half of the time), so what an open epoch paid
    /// is never more than its share, nor its slice, of any later total.
    function testFuzz_share_monotoneAndBelowLaterSlice(
        uint256 total,
        uint256 growth,
        uint256 cumulativeBefore,
        uint256 weight
    ) public pure {
        total = total.bound(0, Random.MAX_AMOUNT - 3);
        growth = growth % 2 == 0 ? (growth >> 1).bound(0, 3) : (growth >> 1).bound(0, Random.MAX_AMOUNT - total);
        cumulativeBefore = cumulativeBefore.bound(0, PPM);
        weight = weight.bound(0, PPM - cumulativeBefore);
        uint256 early = SplitMath.share(total, weight);
        require(SplitMath.share(total + growth, weight) >= early, "share shrank when the total grew");
        require(SplitMath.slice(total + growth, cumulativeBefore, weight) >= early, "share exceeds a later slice");
    }

    /// @dev Every total from 0 to 200 over weights (30%, 10%, 60%): shares never shrink and never pass the slice.
    function test_share_smallTotalsOverThirtyTenSixty() public pure {
        uint32[3] memory weights = [uint32(300_000), 100_000, 600_000];
        uint256[3] memory last;
        for (uint256 total = 0; total <= 200; ++total) {
            uint256 cumulative = 0;
            for (uint256 i = 0; i < 3; ++i) {
                uint256 part = SplitMath.share(total, weights[i]);
                if (part < last[i]) revert(string.concat("share shrank at total ", vm.toString(total)));
                require(part <= SplitMath.slice(total, cumulative, weights[i]), "share exceeds the slice");
                last[i] = part;
                cumulative += weights[i];
            }
        }
    }

    // ---------------------------------------------------------------- splitTree

    /**
     * @dev The parts add up to exactly the total, and each is within ceil(log2 n) of its exact pro-rata part
     * `T * w / W` (strictly, unless n is 1 and the part is the total), for 1..16 positive weights (the registry's
     * MAX_PARENTS) summing to PPM or, half of the time, to less.
     */
    function testFuzz_splitTree_sumsToTotalAndStaysNearProRata(uint256 total, uint256 seed) public pure {
        total = seed % 2 == 0 ? total.bound(0, 1_000) : total.bound(0, Random.MAX_AMOUNT);
        uint256[] memory cumulative = _randomCumulative(seed >> 1);
        uint256 count = cumulative.length - 1;
        uint256 weightSum = cumulative[count];
        uint256[] memory parts = SplitMath.splitTree(total, cumulative);
        require(parts.length == count, "one part per weight");
        uint256 depth = _ceilLog2(count);
        uint256 sum = 0;
        for (uint256 i = 0; i < count; ++i) {
            sum += parts[i];
            // |part - T * w / W| < depth, scaled by W.
            uint256 scaledPart = parts[i] * weightSum;
            uint256 scaledExact = total * (cumulative[i + 1] - cumulative[i]);
            uint256 offBy = scaledPart > scaledExact ? scaledPart - scaledExact : scaledExact - scaledPart;
            if (offBy != 0 && offBy >= depth * weightSum) {
                revert(string.concat("part ", vm.toString(i), " is ceil(log2 n) or more off its pro-rata part"));
            }
        }
        require(sum == total, "parts do not add up to the total");
    }

    /**
     * @dev No part ever shrinks when the total grows (by 0..3 half of the time, where rounding decides, else by
     * anything), and the parts' increases add up to the growth: pushing lifetime totals in any batches never
     * underflows and moves exactly the new upstream.
     */
    function testFuzz_splitTree_monotoneInTotal(uint256 total, uint256 growth, uint256 seed) public pure {
        total = seed % 2 == 0 ? total.bound(0, 1_000) : total.bound(0, Random.MAX_AMOUNT - 3);
        growth = growth % 2 == 0 ? (growth >> 1).bound(0, 3) : (growth >> 1).bound(0, Random.MAX_AMOUNT - total);
        uint256[] memory cumulative = _randomCumulative(seed >> 1);
        uint256[] memory before = SplitMath.splitTree(total, cumulative);
        uint256[] memory later = SplitMath.splitTree(total + growth, cumulative);
        uint256 moved = 0;
        for (uint256 i = 0; i < before.length; ++i) {
            if (later[i] < before[i]) revert(string.concat("part ", vm.toString(i), " shrank when the total grew"));
            moved += later[i] - before[i];
        }
        require(moved == growth, "the parts' increases do not add up to the growth");
    }

    /**
     * @dev {SplitMath-splitTree} is the split its docs describe: checked against a direct recursion written here
     * (first ceil(n / 2) entries get `floor(amount * theirWeight / rangeWeight)`, the rest the remainder).
     */
    function testFuzz_splitTree_matchesReference(uint256 total, uint256 seed) public pure {
        total = seed % 2 == 0 ? total.bound(0, 1_000) : total.bound(0, Random.MAX_AMOUNT);
        uint256[] memory cumulative = _randomCumulative(seed >> 1);
        uint256[] memory parts = SplitMath.splitTree(total, cumulative);
        uint256[] memory expected = _referenceSplitTree(total, cumulative);
        for (uint256 i = 0; i < parts.length; ++i) {
            if (parts[i] != expected[i]) revert(string.concat("part ", vm.toString(i), " differs from the reference"));
        }
    }

    /**
     * @dev What a propagation moves to each parent, {SplitMath-splitTreeGrowth}(earlier, later), is exactly the
     * growth of its reference splitTree part from `earlier` to `later`, and the growths add up to `later - earlier`.
     */
    function testFuzz_splitTreeGrowth_isTheGrowthOfEachPart(uint256 earlier, uint256 growth, uint256 seed) public pure {
        earlier = seed % 2 == 0 ? earlier.bound(0, 1_000) : earlier.bound(0, Random.MAX_AMOUNT - 3);
        growth = growth % 2 == 0 ? (growth >> 1).bound(0, 3) : (growth >> 1).bound(0, Random.MAX_AMOUNT - earlier);
        uint256[] memory cumulative = _randomCumulative(seed >> 1);
        uint256[] memory moved = SplitMath.splitTreeGrowth(earlier, earlier + growth, cumulative);
        uint256[] memory before = _referenceSplitTree(earlier, cumulative);
        uint256[] memory later = _referenceSplitTree(earlier + growth, cumulative);
        uint256 sum = 0;
        for (uint256 i = 0; i < moved.length; ++i) {
            if (later[i] < before[i] || moved[i] != later[i] - before[i]) {
                revert(string.concat("growth of part ", vm.toString(i), " is not later - earlier"));
            }
            sum += moved[i];
        }
        require(sum == growth, "the growths do not add up to the total's growth");
    }

    /// @dev Every total from 0 to 300, one wei at a time, over (30%, 10%, 60%), (1, 999998, 1) and four equal-ish
    /// weights: each part is monotone and the parts add up.
    function test_splitTree_smallTotalsStepByStep() public pure {
        uint256[][] memory lists = new uint256[][](3);
        lists[0] = _cumulative3(300_000, 100_000, 600_000);
        lists[1] = _cumulative3(1, 999_998, 1);
        lists[2] = new uint256[](5);
        lists[2][1] = 250_001;
        lists[2][2] = 500_000;
        lists[2][3] = 749_999;
        lists[2][4] = PPM;
        for (uint256 k = 0; k < lists.length; ++k) {
            uint256[] memory previous = SplitMath.splitTree(0, lists[k]);
            for (uint256 total = 1; total <= 300; ++total) {
                uint256[] memory parts = SplitMath.splitTree(total, lists[k]);
                uint256 sum = 0;
                for (uint256 i = 0; i < parts.length; ++i) {
                    if (parts[i] < previous[i]) {
                        revert(string.concat("list ", vm.toString(k), ": a part shrank at total ", vm.toString(total)));
                    }
                    sum += parts[i];
                }
                if (sum != total) revert(string.concat("list ", vm.toString(k), ": parts do not add up"));
                previous = parts;
            }
        }
    }

    /// @dev Two entries: the same as cumulative rounding; one entry: the whole total.
    function testFuzz_splitTree_smallListsMatchCumulativeRounding(uint256 total, uint256 weight) public pure {
        total = total.bound(0, Random.MAX_AMOUNT);
        weight = weight.bound(1, PPM - 1);
        uint256[] memory two = new uint256[](3);
        two[1] = weight;
        two[2] = PPM;
        uint256[] memory parts = SplitMath.splitTree(total, two);
        require(parts[0] == SplitMath.slice(total, 0, weight), "first of two is not its slice");
        require(parts[1] == SplitMath.slice(total, weight, PPM - weight), "second of two is not its slice");
        uint256[] memory one = new uint256[](2);
        one[1] = PPM;
        require(SplitMath.splitTree(total, one)[0] == total, "a single entry does not get the whole total");
    }

    // ---------------------------------------------------------------- upstreamOf / keptOf

    /// @dev The upstream and kept parts of `received` add up to it; both are floors of lifetime totals and grow with it.
    function testFuzz_upstreamOf_plusKeptOfIsReceived(uint256 received, uint256 more, uint256 upstreamPpm) public pure {
        received = received.bound(0, Random.MAX_AMOUNT);
        more = more.bound(0, Random.MAX_AMOUNT - received);
        upstreamPpm = upstreamPpm.bound(0, PPM);
        uint256 upstream = SplitMath.upstreamOf(received, upstreamPpm);
        uint256 kept = SplitMath.keptOf(received, upstreamPpm);
        require(upstream + kept == received, "upstream + kept != received");
        require(upstream == (received * upstreamPpm) / PPM, "upstream is not the floor");
        require(SplitMath.upstreamOf(received + more, upstreamPpm) >= upstream, "upstream shrank");
        require(SplitMath.keptOf(received + more, upstreamPpm) >= kept, "kept shrank");
    }

    /// @dev No parents share: everything is kept; a full share: nothing is.
    function testFuzz_upstreamOf_extremeShares(uint256 received) public pure {
        received = received.bound(0, Random.MAX_AMOUNT);
        require(SplitMath.upstreamOf(received, 0) == 0 && SplitMath.keptOf(received, 0) == received, "share 0");
        require(SplitMath.upstreamOf(received, PPM) == received && SplitMath.keptOf(received, PPM) == 0, "share PPM");
    }

    // ---------------------------------------------------------------- shared vectors

    /// @dev Runs `test/helpers/vectors/splits.json` (also run by the TypeScript twin): each vector's slices, in
    /// order, and their sum, its floor shares and its splitTree parts. The file is
    /// `{denominator, count, vectors: [{total, weights, slices, shares, tree}]}` with amounts as decimal strings.
    function test_slice_sharedVectors() public view {
        string memory json = vm.readFile(VECTORS);
        require(vm.parseJsonUint(json, ".denominator") == PPM, "splits.json: denominator is not PPM");
        uint256 count = 0;
        while (vm.keyExistsJson(json, _at(count))) {
            string memory prefix = _at(count);
            uint256 total = vm.parseUint(vm.parseJsonString(json, string.concat(prefix, ".total")));
            uint256[] memory weights = vm.parseJsonUintArray(json, string.concat(prefix, ".weights"));
            string[] memory slices = vm.parseJsonStringArray(json, string.concat(prefix, ".slices"));
            require(weights.length == slices.length, string.concat("vector ", vm.toString(count), ": lengths differ"));
            uint256 cumulative = 0;
            uint256 sum = 0;
            for (uint256 i = 0; i < weights.length; ++i) {
                uint256 part = SplitMath.slice(total, cumulative, weights[i]);
                require(
                    part == vm.parseUint(slices[i]),
                    string.concat("vector ", vm.toString(count), ": slice ", vm.toString(i), " differs")
                );
                cumulative += weights[i];
                sum += part;
            }
            if (cumulative == PPM) {
                require(sum == total, string.concat("vector ", vm.toString(count), ": slices do not add up"));
            }
            _checkSharesAndTree(json, prefix, count, total, weights);
            ++count;
        }
        require(count != 0, "splits.json: no vectors");
        require(count == vm.parseJsonUint(json, ".count"), "splits.json: count differs from the vectors");
    }

    // ---------------------------------------------------------------- helpers

    /// @dev One vector's `shares` ({SplitMath-share} per weight) and `tree` ({SplitMath-splitTree}) against the file.
    function _checkSharesAndTree(
        string memory json,
        string memory prefix,
        uint256 index,
        uint256 total,
        uint256[] memory weights
    ) private pure {
        string[] memory shares = vm.parseJsonStringArray(json, string.concat(prefix, ".shares"));
        string[] memory tree = vm.parseJsonStringArray(json, string.concat(prefix, ".tree"));
        uint256[] memory cumulative = new uint256[](weights.length + 1);
        for (uint256 i = 0; i < weights.length; ++i) {
            cumulative[i + 1] = cumulative[i] + weights[i];
            if (SplitMath.share(total, weights[i]) != vm.parseUint(shares[i])) {
                revert(string.concat("vector ", vm.toString(index), ": share ", vm.toString(i), " differs"));
            }
        }
        uint256[] memory parts = SplitMath.splitTree(total, cumulative);
        for (uint256 i = 0; i < weights.length; ++i) {
            if (parts[i] != vm.parseUint(tree[i])) {
                revert(string.concat("vector ", vm.toString(index), ": tree part ", vm.toString(i), " differs"));
            }
        }
    }

    /// @dev Running sums of 1..16 positive weights: summing to PPM, or half of the time to less (the list's last
    /// weight dropped from a list of one more).
    function _randomCumulative(uint256 seed) private pure returns (uint256[] memory cumulative) {
        uint256 count = seed.bound(1, 16);
        bool belowPpm = (seed >> 8) % 2 == 1;
        uint32[] memory weights = Random.weights(seed.next(0), belowPpm ? count + 1 : count, false);
        cumulative = new uint256[](count + 1);
        for (uint256 i = 0; i < count; ++i) cumulative[i + 1] = cumulative[i] + weights[i];
    }

    /// @dev splitTree written out directly (not via splitTreeGrowth), the reference for the library's.
    function _referenceSplitTree(
        uint256 total,
        uint256[] memory cumulative
    ) private pure returns (uint256[] memory parts) {
        parts = new uint256[](cumulative.length - 1);
        _referenceRange(total, cumulative, parts, 0, parts.length);
    }

    function _referenceRange(
        uint256 amount,
        uint256[] memory cumulative,
        uint256[] memory parts,
        uint256 from,
        uint256 to
    ) private pure {
        if (to - from == 1) {
            parts[from] = amount;
            return;
        }
        uint256 middle = from + (to - from + 1) / 2;
        uint256 first = (amount * (cumulative[middle] - cumulative[from])) / (cumulative[to] - cumulative[from]);
        _referenceRange(first, cumulative, parts, from, middle);
        _referenceRange(amount - first, cumulative, parts, middle, to);
    }

    function _cumulative3(uint256 a, uint256 b, uint256 c) private pure returns (uint256[] memory cumulative) {
        cumulative = new uint256[](4);
        cumulative[1] = a;
        cumulative[2] = a + b;
        cumulative[3] = a + b + c;
    }

    function _requireParts(uint256[] memory parts, uint256 a, uint256 b, uint256 c, string memory what) private pure {
        require(parts.length == 3 && parts[0] == a && parts[1] == b && parts[2] == c, what);
    }

    function _ceilLog2(uint256 n) private pure returns (uint256 depth) {
        while ((uint256(1) << depth) < n) ++depth;
    }

    function _at(uint256 index) private pure returns (string memory) {
        return string.concat(".vectors[", vm.toString(index), "]");
    }
}
