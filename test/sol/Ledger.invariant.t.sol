// SPDX-License-Identifier: MIT
// Stemma (test/sol/Ledger.invariant.t.sol)
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../../contracts/interfaces/IRevenueRouter.sol";
import {
    ParentEdge,
    Contributor,
    ContributorClaim,
    Relation,
    Role,
    NATIVE_TOKEN
} from "../../contracts/interfaces/StemmaTypes.sol";
import {ModelRegistry} from "../../contracts/lineage/ModelRegistry.sol";
import {SplitMath} from "../../contracts/libraries/SplitMath.sol";
import {TestToken} from "../../contracts/mocks/TestToken.sol";
import {RevenueRouter} from "../../contracts/revenue/RevenueRouter.sol";
import {LedgerHandler} from "./handlers/LedgerHandler.sol";
import {ContributorTree} from "./helpers/ContributorTree.sol";
import {LedgerDeployment} from "./helpers/LedgerDeployment.sol";
import {Random} from "./helpers/Random.sol";
import {Registrations} from "./helpers/Registrations.sol";
import {vm} from "./helpers/Vm.sol";

/**
 * @dev SPEC.md invariants 1 (conservation) and "no value created" on random sequences of every ledger action (see
 * {LedgerHandler}), driven by Hardhat's invariant fuzzer calling the handler's actions (`invariant_*`, checked after
 * every call) and by seeded sequences (checked after every step). With them, SPEC.md's dispute rules: a dispute
 * holds only the contested epoch (payments arrive, upstream flows, closed epochs pay out), a resolution moves
 * nothing, and dispute bonds are conserved. {LedgerInvariantTest} runs it with plain tokens,
 * {HostileLedgerInvariantTest} (HostileLedger.invariant.t.sol) with hostile ones.
 */
abstract contract LedgerInvariantBase {
    /// @dev The shape the invariant fuzzer reads from {targetSelectors}.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    uint32 internal constant INITIAL_FEE_PPM = 25_000; // 2.5%
    uint256 internal constant DISPUTE_BOND = 1 ether;

    RevenueRouter internal _router;
    ModelRegistry internal _registry;
    LedgerHandler internal _handler;

    /// @dev Deploys the ledger and a handler paying in `tokens`, with the roles it needs: fees (and the treasury),
    /// disputes, placeholders and identity to the handler, the guardian role to its guardian, and two attesters
    /// whose keys the handler signs with (threshold 2).
    function _deploy(address[] memory tokens) internal {
        (_router, _registry) = LedgerDeployment.deploy(INITIAL_FEE_PPM, DISPUTE_BOND);
        _handler = new LedgerHandler(IRevenueRouter(address(_router)), IModelRegistry(address(_registry)), tokens);
        _router.grantRole(_router.FEE_MANAGER_ROLE(), address(_handler));
        _router.setTreasury(address(_handler));
        _registry.grantRole(_registry.DISPUTE_MANAGER_ROLE(), address(_handler));
        _registry.grantRole(_registry.PLACEHOLDER_ASSIGNER_ROLE(), address(_handler));
        _registry.grantRole(_registry.IDENTITY_MANAGER_ROLE(), address(_handler));
        _registry.grantRole(_registry.GUARDIAN_ROLE(), _handler.GUARDIAN());
        _registry.setAttester(vm.addr(_handler.ATTESTER_KEY_A()), true);
        _registry.setAttester(vm.addr(_handler.ATTESTER_KEY_B()), true);
        _registry.setAttesterThreshold(2);
    }

    /// @dev Starts every sequence with a small lineage registered without a provisional window (seeds chosen to
    /// give roots, a placeholder created with its child and children), then opens a one-day window, a one-hour
    /// dispute cool-down and a one-day epoch renewal (the handler changes them later).
    function _seedLineage() internal {
        for (uint256 seed = 1; seed <= 4; ++seed) _handler.register(seed);
        _registry.setTrustPeriods(
            IModelRegistry.TrustPeriods({provisional: 1 days, disputeCooldown: 1 hours, epochRenewal: 1 days})
        );
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(_handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[27] memory all = [
            LedgerHandler.register.selector,
            LedgerHandler.pay.selector,
            LedgerHandler.payAndSettle.selector,
            LedgerHandler.propagate.selector,
            LedgerHandler.propagateBatch.selector,
            LedgerHandler.claim.selector,
            LedgerHandler.claimTo.selector,
            LedgerHandler.setContributors.selector,
            LedgerHandler.assignPlaceholder.selector,
            LedgerHandler.raiseDispute.selector,
            LedgerHandler.resolveDispute.selector,
            LedgerHandler.dismissDispute.selector,
            LedgerHandler.withdrawBond.selector,
            LedgerHandler.sweepContributor.selector,
            LedgerHandler.setFee.selector,
            LedgerHandler.withdrawFees.selector,
            LedgerHandler.moveOutOfDisputed.selector,
            LedgerHandler.disputeMisuse.selector,
            LedgerHandler.reassign.selector,
            LedgerHandler.replaceBeneficiary.selector,
            LedgerHandler.verify.selector,
            LedgerHandler.claimModel.selector,
            LedgerHandler.endProvisional.selector,
            LedgerHandler.renewEpoch.selector,
            LedgerHandler.warp.selector,
            LedgerHandler.setTrustPeriods.selector,
            LedgerHandler.payRefusedToken.selector
        ];
        bytes4[] memory selectors = new bytes4[](all.length);
        for (uint256 i = 0; i < all.length; ++i) selectors[i] = all[i];
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(_handler), selectors: selectors});
    }

    /// @dev Every check after `steps` steps of a sequence seeded by `seed`.
    function _runSequence(uint256 seed, uint256 steps) internal {
        for (uint256 i = 0; i < steps; ++i) {
            _handler.step(Random.next(seed, i));
            _assertAll();
        }
    }

    function _assertAll() internal view {
        _assertNoFailure();
        _assertConservation();
        _assertFlows();
        _assertDisputesHoldOnlyTheContestedEpoch();
        _assertBondsConserved();
    }

    // ---------------------------------------------------------------- checks

    function _assertNoFailure() internal view {
        string memory failure = _handler.failure();
        require(bytes(failure).length == 0, failure);
    }

    /// @dev Invariant 1: per token, the router's balance equals fees + pending upstream + unclaimed entitlements
    /// (whoever may claim them) + escrow.
    function _assertConservation() internal view {
        address[] memory tokens = _handler.tokens();
        for (uint256 i = 0; i < tokens.length; ++i) {
            uint256 balance = _handler.balanceOf(tokens[i], address(_router));
            uint256 owed = _handler.owed(tokens[i]);
            if (balance != owed) {
                revert(string.concat("router balance ", vm.toString(balance), " != owed ", vm.toString(owed)));
            }
        }
    }

    /// @dev No wei is created: per token, the router paid out at most what was paid in, and holds exactly the rest.
    function _assertFlows() internal view {
        address[] memory tokens = _handler.tokens();
        for (uint256 i = 0; i < tokens.length; ++i) {
            uint256 paidIn = _handler.paidIn(tokens[i]);
            uint256 paidOut = _handler.paidOut(tokens[i]);
            require(paidOut <= paidIn, "router paid out more than was paid in");
            require(_handler.balanceOf(tokens[i], address(_router)) == paidIn - paidOut, "router balance != in - out");
        }
    }

    /// @dev A dispute holds only what it contests: while a model is disputed, its current epoch is the one current
    /// when the dispute was raised, and what that epoch's entries claimed in every token has not changed (the
    /// handler's actions check that closed epochs still pay and upstream still flows). The router, the registry and
    /// the handler agree on which models are disputed, by which dispute, and on which are provisional.
    function _assertDisputesHoldOnlyTheContestedEpoch() internal view {
        address[] memory tokens = _handler.tokens();
        bytes32[] memory disputed = _handler.disputedModels();
        for (uint256 m = 0; m < disputed.length; ++m) {
            bytes32 id = disputed[m];
            for (uint256 i = 0; i < tokens.length; ++i) {
                (uint32 epoch, uint256 claimedNow, uint256 claimedThen) = _handler.contestedClaims(id, tokens[i]);
                require(_handler.currentEpoch(id) == epoch, "a disputed model's epoch changed");
                if (claimedNow != claimedThen) {
                    revert(
                        string.concat(
                            "the contested epoch of disputed model ",
                            vm.toString(uint256(id)),
                            " paid out: claimed ",
                            vm.toString(claimedThen),
                            " -> ",
                            vm.toString(claimedNow)
                        )
                    );
                }
            }
        }
    }

    /// @dev Bonds are conserved: the registry holds exactly the bonds of disputes whose bond was not withdrawn, by its
    /// records and by the handler's, and every bond posted is still held or was paid out in full, to the treasury
    /// for a dismissed dispute or back to the disputer for an upheld one (the handler checks each withdrawal's
    /// recipient).
    function _assertBondsConserved() internal view {
        uint256 held = _handler.bondsHeld();
        require(address(_registry).balance == held, "registry balance != bonds held");
        require(_handler.bondsUnwithdrawn() == held, "registry's unwithdrawn bonds != bonds held");
        require(
            _handler.bondsPosted() == held + _handler.bondsToTreasury() + _handler.bondsToDisputers(),
            "bonds posted != held + paid to the treasury + repaid to disputers"
        );
    }
}

/// @dev {LedgerInvariantBase} with ETH and two plain ERC-20s.
contract LedgerInvariantTest is LedgerInvariantBase {
    uint256 private constant SEQUENCE_STEPS = 150;

    function setUp() public {
        address[] memory tokens = new address[](3);
        tokens[0] = NATIVE_TOKEN;
        tokens[1] = address(new TestToken("Test USD", "TUSD", 6));
        tokens[2] = address(new TestToken("Test Dai", "TDAI", 18));
        _deploy(tokens);
        _seedLineage();
    }

    /// @dev Invariant 1, and every action behaved as specified.
    function invariant_conservation() public view {
        _assertNoFailure();
        _assertConservation();
    }

    function invariant_outflowBoundedByInflow() public view {
        _assertNoFailure();
        _assertFlows();
    }

    function invariant_disputesHoldOnlyTheContestedEpoch() public view {
        _assertNoFailure();
        _assertDisputesHoldOnlyTheContestedEpoch();
    }

    function invariant_bondsConserved() public view {
        _assertNoFailure();
        _assertBondsConserved();
    }

    /// @dev The same invariants after every step of a seeded random sequence.
    /// hardhat-config: fuzz.runs = 16
    function testFuzz_randomSequence(uint256 seed) public {
        _runSequence(seed, SEQUENCE_STEPS);
    }
}

/**
 * @dev SPEC.md invariant 2 (batching invariance): two fresh deployments with the same lineage (depth 3, a three-way
 * 30/10/60% merge, a four-way merge, a placeholder parent; every contributor set has 3 or 4 entries) receive the
 * same random payments. One propagates random models, singly and in random order, after every payment, and its
 * contributors claim along the way; the other propagates only at the end, in one batch. Every model's totals (so
 * every parent's received) must end up identical. Then both close every contributor epoch: every entry's final
 * entitlement (claimed + claimable) must be identical in both and equal its slice of the epoch's kept total, and
 * once everyone claims, each router holds exactly the fees and the placeholder's escrow.
 */
contract LedgerBatchingTest {
    using Random for uint256;

    uint32 private constant FEE_PPM = 25_000;

    RevenueRouter private _routerA;
    ModelRegistry private _registryA;
    RevenueRouter private _routerB;
    ModelRegistry private _registryB;
    address[] private _tokens;
    /// @dev In registration order: every parent before its children.
    bytes32[] private _ids;
    bytes32 private _placeholder;
    mapping(bytes32 id => ParentEdge[]) private _parents;
    mapping(bytes32 id => Contributor[]) private _sets;

    function setUp() public {
        (_routerA, _registryA) = LedgerDeployment.deploy(FEE_PPM, 0);
        (_routerB, _registryB) = LedgerDeployment.deploy(FEE_PPM, 0);
        _tokens.push(NATIVE_TOKEN);
        _tokens.push(address(new TestToken("Test USD", "TUSD", 6)));

        bytes32 base = _register("hf:stemma/base", 0, new ParentEdge[](0), _set3(300_000, 100_000, 600_000));
        bytes32 data = _register("hf:stemma/data", 0, new ParentEdge[](0), _set4(100_000, 450_000, 150_000));
        _placeholder = _registerPlaceholder("hf:stemma/unclaimed");
        bytes32 finetune = _register("hf:stemma/base-ft", 300_000, _edges1(base), _set3(700_000, 100_000, 200_000));
        bytes32 merge = _register(
            "hf:stemma/merge",
            500_000,
            _edges3(finetune, data, _placeholder, 300_000, 100_000),
            _set3(200_000, 300_000, 500_000)
        );
        _register("hf:stemma/soup", 650_000, _edges4(base, data, finetune, merge), _set4(300_000, 100_000, 333_333));
        _register("hf:stemma/merge-q4", 150_000, _edges1(merge), _set3(333_333, 333_333, 333_334));
    }

    /// @dev Up to 12 random payments (ETH and an ERC-20, amounts from 1 wei to 1e24).
    function testFuzz_propagate_groupingDoesNotChangeEntitlements(uint256 seed) public {
        uint256 payments = seed.bound(1, 12);
        for (uint256 i = 0; i < payments; ++i) {
            uint256 r = seed.next(i);
            bytes32 id = _ids[r % _ids.length];
            address token = _tokens[(r >> 8) % _tokens.length];
            uint256 amount = Random.amount(r >> 16);
            _pay(_routerA, id, token, amount);
            _pay(_routerB, id, token, amount);
            _propagateSome(r.next(1));
            _claimSome(r.next(2), token);
        }
        // A: flush one step at a time, children first. B: everything in one batch. (The placeholder, provisional
        // until claimed, has no parents and cannot be propagated.)
        for (uint256 t = 0; t < _tokens.length; ++t) {
            for (uint256 k = _ids.length; k > 0; --k) {
                if (_ids[k - 1] == _placeholder) continue;
                _routerA.propagate(_ids[k - 1], _tokens[t], _parents[_ids[k - 1]]);
            }
        }
        uint256 stepsPerToken = _ids.length - 1;
        IRevenueRouter.Propagation[] memory batch = new IRevenueRouter.Propagation[](stepsPerToken * _tokens.length);
        for (uint256 t = 0; t < _tokens.length; ++t) {
            uint256 used = 0;
            for (uint256 k = 0; k < _ids.length; ++k) {
                bytes32 id = _ids[_ids.length - 1 - k];
                if (id == _placeholder) continue;
                batch[t * stepsPerToken + used++] = IRevenueRouter.Propagation({
                    modelId: id,
                    token: _tokens[t],
                    parents: _parents[id]
                });
            }
        }
        _routerB.propagateBatch(batch);
        for (uint256 t = 0; t < _tokens.length; ++t) {
            for (uint256 k = 0; k < _ids.length; ++k) _assertSameModel(_ids[k], _tokens[t]);
        }
        // Close every contributor epoch (the placeholder has none: its kept is escrow), then settle everything.
        for (uint256 k = 0; k < _ids.length; ++k) {
            bytes32 id = _ids[k];
            if (_sets[id].length == 0) continue;
            require(_registryA.setContributors(id, _sets[id]) == 1, "A: epoch 1 did not start");
            require(_registryB.setContributors(id, _sets[id]) == 1, "B: epoch 1 did not start");
        }
        for (uint256 t = 0; t < _tokens.length; ++t) {
            for (uint256 k = 0; k < _ids.length; ++k) _assertSameFinalEntitlements(_ids[k], _tokens[t]);
            _assertSettlesExactly(_routerA, _tokens[t]);
            _assertSettlesExactly(_routerB, _tokens[t]);
        }
    }

    // ---------------------------------------------------------------- steps

    function _pay(RevenueRouter router, bytes32 id, address token, uint256 amount) private {
        if (token == NATIVE_TOKEN) {
            vm.deal(address(this), address(this).balance + amount);
            router.pay{value: amount}(id, token, amount);
        } else {
            TestToken(token).mint(address(this), amount);
            IERC20(token).approve(address(router), amount);
            router.pay(id, token, amount);
        }
    }

    /// @dev Deployment A only: propagates each model with probability 1/2, in a random rotation of the models.
    function _propagateSome(uint256 seed) private {
        uint256 count = _ids.length;
        uint256 offset = seed % count;
        for (uint256 i = 0; i < count; ++i) {
            if ((seed >> (8 + i)) & 1 == 0) continue;
            bytes32 id = _ids[(offset + i) % count];
            if (id == _placeholder) continue;
            _routerA.propagate(id, _tokens[(seed >> (32 + i)) % _tokens.length], _parents[id]);
        }
    }

    /// @dev Deployment A only: one or two random contributor entries claim what they can now (their share of the
    /// open epoch's kept so far).
    function _claimSome(uint256 seed, address token) private {
        for (uint256 round = 0; round < 1 + ((seed >> 64) % 2); ++round) {
            uint256 r = seed.next(round);
            bytes32 id = _ids[r % _ids.length];
            Contributor[] memory set = _sets[id];
            if (set.length == 0) continue;
            ContributorClaim[] memory entries = new ContributorClaim[](1);
            entries[0] = ContributorTree.entry(id, 0, set, (r >> 8) % set.length);
            _routerA.claim(token, entries);
        }
    }

    // ---------------------------------------------------------------- checks

    /// @dev Same lifetime totals in both deployments (for a parent: the same received from its children), all
    /// pushed, and the same kept in epoch 0.
    function _assertSameModel(bytes32 id, address token) private view {
        IRevenueRouter.ModelBalance memory a = _routerA.modelBalance(id, token);
        IRevenueRouter.ModelBalance memory b = _routerB.modelBalance(id, token);
        require(a.received == b.received && a.upstream == b.upstream, "received or upstream differs");
        require(a.pushed == b.pushed && a.kept == b.kept, "pushed or kept differs");
        require(a.pushed == a.upstream, "upstream left pending");
        require(_routerA.keptInEpoch(id, token, 0) == _routerB.keptInEpoch(id, token, 0), "kept in epoch 0 differs");
    }

    /// @dev Epoch 0 is closed: each entry's final entitlement is its slice of the epoch's kept, in both deployments,
    /// whatever A's entries claimed while it was open.
    function _assertSameFinalEntitlements(bytes32 id, address token) private view {
        Contributor[] memory set = _sets[id];
        uint256 kept = _routerA.keptInEpoch(id, token, 0);
        for (uint256 j = 0; j < set.length; ++j) {
            ContributorClaim memory entry = ContributorTree.entry(id, 0, set, j);
            uint256 exact = SplitMath.slice(kept, entry.cumulativeBefore, entry.weightPpm);
            uint256 entitlementA =
                _routerA.claimed(id, token, 0, entry.cumulativeBefore) + _routerA.claimable(token, entry);
            uint256 entitlementB =
                _routerB.claimed(id, token, 0, entry.cumulativeBefore) + _routerB.claimable(token, entry);
            require(entitlementA == exact, "A: final entitlement is not the slice of the closed epoch");
            require(entitlementB == exact, "B: final entitlement is not the slice of the closed epoch");
        }
    }

    /// @dev Every entry claims the rest of epoch 0: the router is left holding exactly the fees and the escrow.
    function _assertSettlesExactly(RevenueRouter router, address token) private {
        for (uint256 k = 0; k < _ids.length; ++k) {
            bytes32 id = _ids[k];
            Contributor[] memory set = _sets[id];
            ContributorClaim[] memory entries = new ContributorClaim[](1);
            uint256 claimedTotal = 0;
            for (uint256 j = 0; j < set.length; ++j) {
                entries[0] = ContributorTree.entry(id, 0, set, j);
                router.claim(token, entries);
                claimedTotal += router.claimed(id, token, 0, entries[0].cumulativeBefore);
            }
            if (set.length != 0)
                require(claimedTotal == router.keptInEpoch(id, token, 0), "epoch paid other than kept");
        }
        uint256 held = token == NATIVE_TOKEN ? address(router).balance : IERC20(token).balanceOf(address(router));
        require(
            held == router.fees(token) + router.keptInEpoch(_placeholder, token, 0),
            "router holds other than the fees and the escrow after settling"
        );
    }

    // ---------------------------------------------------------------- lineage

    function _register(
        string memory key,
        uint32 upstreamPpm,
        ParentEdge[] memory parents,
        Contributor[] memory set
    ) private returns (bytes32 id) {
        IModelRegistry.Registration memory registration = Registrations.open(
            key,
            upstreamPpm,
            parents,
            set,
            keccak256(bytes(key))
        );
        id = _registryA.register(registration);
        require(_registryB.register(registration) == id, "ids differ between deployments");
        _ids.push(id);
        for (uint256 i = 0; i < parents.length; ++i) _parents[id].push(parents[i]);
        for (uint256 i = 0; i < set.length; ++i) _sets[id].push(set[i]);
    }

    function _registerPlaceholder(string memory key) private returns (bytes32 id) {
        id = _registryA.registerPlaceholder(key);
        _registryB.registerPlaceholder(key);
        _ids.push(id);
    }

    function _edges1(bytes32 parent) private pure returns (ParentEdge[] memory edges) {
        edges = new ParentEdge[](1);
        edges[0] = ParentEdge({parentId: parent, relation: Relation.FINETUNE, weightPpm: 1_000_000});
    }

    function _edges3(
        bytes32 a,
        bytes32 b,
        bytes32 c,
        uint32 weightA,
        uint32 weightB
    ) private pure returns (ParentEdge[] memory edges) {
        edges = new ParentEdge[](3);
        edges[0] = ParentEdge({parentId: a, relation: Relation.MERGE, weightPpm: weightA});
        edges[1] = ParentEdge({parentId: b, relation: Relation.MERGE, weightPpm: weightB});
        edges[2] = ParentEdge({parentId: c, relation: Relation.MERGE, weightPpm: 1_000_000 - weightA - weightB});
    }

    /// @dev Four parents, 10/30/10/50%: a two-level split tree with a light entry on each side.
    function _edges4(bytes32 a, bytes32 b, bytes32 c, bytes32 d) private pure returns (ParentEdge[] memory edges) {
        edges = new ParentEdge[](4);
        edges[0] = ParentEdge({parentId: a, relation: Relation.MERGE, weightPpm: 100_000});
        edges[1] = ParentEdge({parentId: b, relation: Relation.MERGE, weightPpm: 300_000});
        edges[2] = ParentEdge({parentId: c, relation: Relation.MERGE, weightPpm: 100_000});
        edges[3] = ParentEdge({parentId: d, relation: Relation.MERGE, weightPpm: 500_000});
    }

    function _set3(uint32 a, uint32 b, uint32 c) private pure returns (Contributor[] memory set) {
        require(uint256(a) + b + c == 1_000_000, "set weights");
        set = new Contributor[](3);
        set[0] = Contributor({account: address(0xA11CE), role: Role.PRETRAINING_COMPUTE, weightPpm: a});
        set[1] = Contributor({account: address(0xB0B), role: Role.EVALUATION_REDTEAM, weightPpm: b});
        set[2] = Contributor({account: address(0xCA201), role: Role.MAINTENANCE, weightPpm: c});
    }

    /// @dev Four entries, the last taking the rest of PPM.
    function _set4(uint32 a, uint32 b, uint32 c) private pure returns (Contributor[] memory set) {
        set = new Contributor[](4);
        set[0] = Contributor({account: address(0xA11CE), role: Role.DATA_CURATION, weightPpm: a});
        set[1] = Contributor({account: address(0xB0B), role: Role.FINETUNING, weightPpm: b});
        set[2] = Contributor({account: address(0xCA201), role: Role.ALIGNMENT, weightPpm: c});
        set[3] = Contributor({account: address(0xD0D), role: Role.OTHER, weightPpm: 1_000_000 - a - b - c});
    }
}
