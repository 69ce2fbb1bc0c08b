// SPDX-License-Identifier: MIT
// Stemma (test/sol/revenue/RevenueRouterRounding.t.sol)
pragma solidity ^0.8.24;

import {
    ParentEdge,
    Contributor,
    ContributorClaim,
    Relation,
    Role,
    NATIVE_TOKEN,
    PPM
} from "../../../contracts/interfaces/StemmaTypes.sol";
import {SplitMath} from "../../../contracts/libraries/SplitMath.sol";
import {ModelRegistry} from "../../../contracts/lineage/ModelRegistry.sol";
import {RevenueRouter} from "../../../contracts/revenue/RevenueRouter.sol";
import {ContributorTree} from "../helpers/ContributorTree.sol";
import {LedgerDeployment} from "../helpers/LedgerDeployment.sol";
import {Random} from "../helpers/Random.sol";
import {Registrations} from "../helpers/Registrations.sol";
import {vm} from "../helpers/Vm.sol";

/**
 * @dev Lifetime-total accounting at the wei level, on the smallest case where cumulative rounding is not monotone:
 * weights (30%, 10%, 60%) and totals 3 then 4, where the middle slice is 1 of 3 and 0 of 4 (see SplitMathTest).
 * The router's rules for it: parents share a model's upstream with {SplitMath-splitTree}, whose parts never
 * shrink; an entry of the current contributor epoch is paid {SplitMath-share}, never more than its final slice,
 * and the rest (under 1 wei per entry) once the epoch closes, when every entry gets exactly its slice.
 */
contract RevenueRouterRoundingTest {
    using Random for uint256;

    address private constant ALICE = address(0xA11CE);
    address private constant BOB = address(0xB0B);
    address private constant CAROL = address(0xCA201);

    RevenueRouter private _router;
    ModelRegistry private _registry;
    bytes32 private _base;
    bytes32 private _other;

    function setUp() public {
        (_router, _registry) = LedgerDeployment.deploy(0, 0);
        _base = _register("hf:stemma/base", 0, new ParentEdge[](0), _threeWay());
        _other = _register("hf:stemma/other", 0, new ParentEdge[](0), _threeWay());
    }

    // ---------------------------------------------------------------- claims

    /**
     * @dev Bob claims while the epoch kept 3 wei (his slice of 3 would be 1, but his share is 0), 1 more wei
     * arrives, everyone claims: while the epoch is open each holds at most its share of 4, never more than its
     * final slice. After the epoch closes, everyone claims exactly its slice of 4 (1, 0, 3) and the epoch has paid
     * out exactly the 4 wei it kept; later payments belong to the next epoch.
     */
    function test_claim_neverExceedsFinalEntitlement() public {
        _pay(_base, 3);
        _claim(_base, 0, 1);
        require(BOB.balance == 0, "Bob was paid his slice of a total that can still grow");
        _pay(_base, 1);
        for (uint256 j = 0; j < 3; ++j) _claim(_base, 0, j);
        _requireBalances(1, 0, 2, "open epoch: shares of 4");
        _requireClaimable(_base, 0, 0, 0, 0, "open epoch after claiming");

        require(_registry.setContributors(_base, _threeWay()) == 1, "setup: epoch 1 did not start");
        _pay(_base, 5);
        require(_router.keptInEpoch(_base, NATIVE_TOKEN, 0) == 4, "a later payment changed the closed epoch");
        _requireClaimable(_base, 0, 0, 0, 1, "closed epoch: the rest of the slices of 4");
        for (uint256 j = 0; j < 3; ++j) _claim(_base, 0, j);
        _requireBalances(1, 0, 3, "closed epoch: slices of 4");
        _requireClaimable(_base, 0, 0, 0, 0, "closed epoch after claiming");
        require(address(_router).balance == 5, "the router does not hold exactly epoch 1's 5 wei");
    }

    /// @dev The same sequence with a second model funded: settling the first model's epoch takes nothing from it,
    /// and the second model's contributors still get exactly their slices of its 10 wei.
    function test_claim_doesNotSpendOtherModelsFunds() public {
        _pay(_other, 10);
        _pay(_base, 3);
        _claim(_base, 0, 1);
        _pay(_base, 1);
        _claim(_base, 0, 0);
        _claim(_base, 0, 2);
        _registry.setContributors(_base, _threeWay());
        for (uint256 j = 0; j < 3; ++j) _claim(_base, 0, j);
        _requireBalances(1, 0, 3, "base settled");
        require(address(_router).balance == 10, "settling base spent the other model's funds");

        // Open epoch: shares of 10 (3, 1, 6) already add up; nothing more after it closes.
        _requireClaimable(_other, 0, 3, 1, 6, "other, open epoch");
        _registry.setContributors(_other, _threeWay());
        _requireClaimable(_other, 0, 3, 1, 6, "other, closed epoch");
        for (uint256 j = 0; j < 3; ++j) _claim(_other, 0, j);
        _requireBalances(1 + 3, 0 + 1, 3 + 6, "both settled");
        require(address(_router).balance == 0, "wei left in the router");
    }

    /**
     * @dev 3..6 contributors with random weights, 1..12 random payments (mostly dust) with random entries claiming
     * in between, then the epoch closes and a second model's funds stay untouched: in the open epoch an entry's
     * claimable is always its share less what it claimed; after the close, every entry's claims add up to exactly
     * its slice of the final kept total and the epoch pays out exactly what it kept.
     */
    function testFuzz_claim_openEpochThenCloseSettlesExactly(uint256 seed) public {
        Contributor[] memory set = _randomSet(seed, 3, 6);
        bytes32 id = _register("hf:stemma/fuzzed", 0, new ParentEdge[](0), set);
        uint256 otherFunds = Random.amount(seed.next(1));
        _pay(_other, otherFunds);
        uint256 payments = (seed >> 8).bound(1, 12);
        for (uint256 i = 0; i < payments; ++i) {
            uint256 r = seed.next(100 + i);
            _pay(id, Random.amount(r));
            uint256 kept = _router.keptInEpoch(id, NATIVE_TOKEN, 0);
            for (uint256 j = 0; j < set.length; ++j) {
                ContributorClaim memory entry = ContributorTree.entry(id, 0, set, j);
                uint256 claimedBefore = _router.claimed(id, NATIVE_TOKEN, 0, entry.cumulativeBefore);
                uint256 owed = SplitMath.share(kept, entry.weightPpm);
                require(claimedBefore <= owed, "open epoch: an entry holds more than its share");
                require(_router.claimable(NATIVE_TOKEN, entry) == owed - claimedBefore, "open epoch: claimable");
                if ((r >> (8 + j)) & 1 == 1) _claimEntry(entry, owed - claimedBefore);
            }
        }
        uint256 finalKept = _router.keptInEpoch(id, NATIVE_TOKEN, 0);
        uint256 routerBefore = address(_router).balance;
        _registry.setContributors(id, set);
        _pay(id, 7);
        require(_router.keptInEpoch(id, NATIVE_TOKEN, 0) == finalKept, "a later payment changed the closed epoch");
        uint256 paidOut = 0;
        for (uint256 j = 0; j < set.length; ++j) {
            ContributorClaim memory entry = ContributorTree.entry(id, 0, set, j);
            uint256 exact = SplitMath.slice(finalKept, entry.cumulativeBefore, entry.weightPpm);
            uint256 claimedBefore = _router.claimed(id, NATIVE_TOKEN, 0, entry.cumulativeBefore);
            require(claimedBefore <= exact, "an entry claimed more than its final slice");
            _claimEntry(entry, exact - claimedBefore);
            require(_router.claimed(id, NATIVE_TOKEN, 0, entry.cumulativeBefore) == exact, "entry not at its slice");
            paidOut += exact - claimedBefore;
        }
        require(address(_router).balance == routerBefore + 7 - paidOut, "claims paid other than the slices");
        require(address(_router).balance == otherFunds + 7, "the router does not hold exactly the others' funds");
        uint256 claimedTotal = 0;
        for (uint256 j = 0; j < set.length; ++j) {
            claimedTotal += _router.claimed(id, NATIVE_TOKEN, 0, ContributorTree.cumulativeBefore(set, j));
        }
        require(claimedTotal == finalKept, "the closed epoch did not pay out exactly what it kept");
    }

    // ---------------------------------------------------------------- propagation

    /**
     * @dev Propagation is permissionless and must not fail on an active model. A three-parent model (30/10/60%) with
     * a full upstream share pushes 3 wei, then 4: the parents' lifetime receipts are splitTree(3) = (0, 1, 2), then
     * splitTree(4) = (0, 1, 3). (Under cumulative rounding the middle parent's part would drop from 1 to 0 and the
     * second push would underflow.)
     */
    function test_propagate_threeWaySplitFollowsSplitTree() public {
        ParentEdge[] memory parents = new ParentEdge[](3);
        parents[0] = ParentEdge({parentId: _base, relation: Relation.MERGE, weightPpm: 300_000});
        parents[1] = ParentEdge({parentId: _other, relation: Relation.MERGE, weightPpm: 100_000});
        parents[2] = ParentEdge({
            parentId: _registry.registerPlaceholder("hf:stemma/third"),
            relation: Relation.MERGE,
            weightPpm: 600_000
        });
        bytes32 merge = _register("hf:stemma/merge", 1_000_000, parents, _threeWay());
        _pay(merge, 3);
        _requirePreview(merge, parents, 0, 1, 2);
        require(_router.propagate(merge, NATIVE_TOKEN, parents) == 3, "first push did not move 3 wei");
        _requireReceived(parents, 0, 1, 2);
        _pay(merge, 1);
        _requirePreview(merge, parents, 0, 0, 1);
        require(_router.propagate(merge, NATIVE_TOKEN, parents) == 1, "second push did not move 1 wei");
        _requireReceived(parents, 0, 1, 3);
        require(_router.pendingUpstream(merge, NATIVE_TOKEN) == 0, "upstream left pending");
        require(address(_router).balance == 4, "wei created or lost");
    }

    /**
     * @dev 3..6 parents with random weights and a random upstream share, 1..16 random payments (mostly dust), each
     * followed by a propagation half of the time: every propagation succeeds, moves exactly the pending upstream,
     * and leaves each parent with exactly its splitTree part of the lifetime pushed upstream.
     */
    function testFuzz_propagate_parentsGetTheirSplitTreeParts(uint256 seed) public {
        uint256 count = seed.bound(3, 6);
        uint32[] memory weights = Random.weights(seed.next(1), count, false);
        ParentEdge[] memory parents = new ParentEdge[](count);
        uint256[] memory cumulative = new uint256[](count + 1);
        for (uint256 i = 0; i < count; ++i) {
            bytes32 parentId =
                i == 0
                    ? _base
                    : (i == 1 ? _other : _register(_key("hf:stemma/parent-", i), 0, new ParentEdge[](0), _threeWay()));
            parents[i] = ParentEdge({parentId: parentId, relation: Relation.MERGE, weightPpm: weights[i]});
            cumulative[i + 1] = cumulative[i] + weights[i];
        }
        uint32 upstreamPpm = (seed >> 8) % 3 == 0 ? PPM : Random.share(seed.next(2));
        bytes32 child = _register("hf:stemma/child", upstreamPpm, parents, _threeWay());
        uint256 payments = (seed >> 16).bound(1, 16);
        for (uint256 i = 0; i < payments; ++i) {
            uint256 r = seed.next(100 + i);
            _pay(child, Random.amount(r));
            if ((r >> 250) & 1 == 0 && i + 1 < payments) continue;
            uint256 pending = _router.pendingUpstream(child, NATIVE_TOKEN);
            require(_router.propagate(child, NATIVE_TOKEN, parents) == pending, "moved other than the pending");
            uint256 pushed = _router.modelBalance(child, NATIVE_TOKEN).pushed;
            uint256[] memory parts = SplitMath.splitTree(pushed, cumulative);
            for (uint256 k = 0; k < count; ++k) {
                if (_router.modelBalance(parents[k].parentId, NATIVE_TOKEN).received != parts[k]) {
                    revert(string.concat("parent ", vm.toString(k), " did not receive its splitTree part"));
                }
            }
        }
        require(_router.pendingUpstream(child, NATIVE_TOKEN) == 0, "upstream left pending");
    }

    // ---------------------------------------------------------------- fee

    /**
     * @dev F10: the fee is rounded up, so splitting a payment never saves fee: for any fee rate up to the maximum and
     * any two amounts whose sum fits the 112-bit totals, `fee(a) + fee(b) >= fee(a + b)`, every nonzero payment
     * pays a nonzero fee when the rate is nonzero, the fee is exactly `ceil(amount * feePpm / PPM)`, and the net is
     * the rest. Checked against the deployed router's {RevenueRouter-previewPay}, and against a real payment of
     * `a`.
     */
    function testFuzz_fee_splittingNeverSavesFee(uint256 feeSeed, uint256 aSeed, uint256 bSeed) public {
        uint32 feePpm =
            feeSeed % 4 == 0 ? _router.MAX_FEE_PPM() : uint32((feeSeed >> 8).bound(0, _router.MAX_FEE_PPM()));
        _router.setFee(feePpm);
        uint256 a = Random.amount(aSeed);
        uint256 b = (bSeed % 2 == 0 ? Random.amount(bSeed >> 1) : (bSeed >> 1)).bound(1, Random.MAX_AMOUNT - a);
        (uint256 feeA, uint256 netA) = _router.previewPay(a);
        (uint256 feeB, ) = _router.previewPay(b);
        (uint256 feeSum, ) = _router.previewPay(a + b);
        require(feeA + feeB >= feeSum, "splitting a payment saved fee");
        require(feeA == (a * feePpm + PPM - 1) / PPM, "fee is not ceil(amount * feePpm / PPM)");
        require(feePpm == 0 ? feeA == 0 : feeA > 0, "a nonzero payment at a nonzero rate paid no fee");
        require(feeA + netA == a && feeA <= a, "fee + net != amount");
        uint256 feesBefore = _router.fees(NATIVE_TOKEN);
        _pay(_base, a);
        require(_router.fees(NATIVE_TOKEN) == feesBefore + feeA, "pay charged other than previewPay's fee");
    }

    // ---------------------------------------------------------------- helpers

    function _pay(bytes32 id, uint256 amount) private {
        vm.deal(address(this), address(this).balance + amount);
        _router.pay{value: amount}(id, NATIVE_TOKEN, amount);
    }

    function _claim(bytes32 id, uint32 epoch, uint256 index) private {
        ContributorClaim[] memory entries = new ContributorClaim[](1);
        entries[0] = ContributorTree.entry(id, epoch, _threeWay(), index);
        _router.claim(NATIVE_TOKEN, entries);
    }

    /// @dev Claims one entry and checks that it paid exactly `expected` to the entry's account.
    function _claimEntry(ContributorClaim memory entry, uint256 expected) private {
        ContributorClaim[] memory entries = new ContributorClaim[](1);
        entries[0] = entry;
        uint256 before = entry.account.balance;
        require(_router.claim(NATIVE_TOKEN, entries) == expected, "claim returned other than expected");
        require(entry.account.balance == before + expected, "claim paid other than expected");
    }

    function _requireBalances(uint256 alice, uint256 bob, uint256 carol, string memory what) private view {
        if (ALICE.balance != alice || BOB.balance != bob || CAROL.balance != carol) {
            revert(
                string.concat(
                    what,
                    ": balances ",
                    vm.toString(ALICE.balance),
                    ", ",
                    vm.toString(BOB.balance),
                    ", ",
                    vm.toString(CAROL.balance)
                )
            );
        }
    }

    function _requireClaimable(
        bytes32 id,
        uint32 epoch,
        uint256 alice,
        uint256 bob,
        uint256 carol,
        string memory what
    ) private view {
        Contributor[] memory set = _threeWay();
        uint256[3] memory expected = [alice, bob, carol];
        for (uint256 j = 0; j < 3; ++j) {
            if (_router.claimable(NATIVE_TOKEN, ContributorTree.entry(id, epoch, set, j)) != expected[j]) {
                revert(string.concat(what, ": claimable of entry ", vm.toString(j)));
            }
        }
    }

    function _requirePreview(bytes32 id, ParentEdge[] memory parents, uint256 a, uint256 b, uint256 c) private view {
        uint256[] memory amounts = _router.previewPropagate(id, NATIVE_TOKEN, parents);
        require(amounts.length == 3 && amounts[0] == a && amounts[1] == b && amounts[2] == c, "previewPropagate");
    }

    function _requireReceived(ParentEdge[] memory parents, uint256 a, uint256 b, uint256 c) private view {
        uint256[3] memory expected = [a, b, c];
        for (uint256 k = 0; k < 3; ++k) {
            if (_router.modelBalance(parents[k].parentId, NATIVE_TOKEN).received != expected[k]) {
                revert(string.concat("parent ", vm.toString(k), " received other than its splitTree part"));
            }
        }
    }

    function _threeWay() private pure returns (Contributor[] memory set) {
        set = new Contributor[](3);
        set[0] = Contributor({account: ALICE, role: Role.PRETRAINING_COMPUTE, weightPpm: 300_000});
        set[1] = Contributor({account: BOB, role: Role.DATA_CURATION, weightPpm: 100_000});
        set[2] = Contributor({account: CAROL, role: Role.FINETUNING, weightPpm: 600_000});
    }

    /// @dev `min..max` entries with distinct fresh accounts and random positive weights summing to PPM.
    function _randomSet(uint256 seed, uint256 min, uint256 max) private pure returns (Contributor[] memory set) {
        uint256 size = seed.bound(min, max);
        uint32[] memory weights = Random.weights(seed.next(0), size, false);
        set = new Contributor[](size);
        for (uint256 i = 0; i < size; ++i) {
            set[i] = Contributor({account: address(uint160(0x5000 + i)), role: Role.OTHER, weightPpm: weights[i]});
        }
    }

    function _key(string memory prefix, uint256 index) private pure returns (string memory) {
        return string.concat(prefix, vm.toString(index));
    }

    function _register(
        string memory key,
        uint32 upstreamPpm,
        ParentEdge[] memory parents,
        Contributor[] memory set
    ) private returns (bytes32) {
        return _registry.register(Registrations.open(key, upstreamPpm, parents, set, bytes32(0)));
    }
}
