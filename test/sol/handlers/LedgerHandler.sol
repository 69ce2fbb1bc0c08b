// SPDX-License-Identifier: MIT
// Stemma (test/sol/handlers/LedgerHandler.sol)
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../../../contracts/interfaces/IRevenueRouter.sol";
import {
    ParentEdge,
    Contributor,
    ContributorClaim,
    Terms,
    ModelStatus,
    Relation,
    Role,
    NATIVE_TOKEN,
    PPM
} from "../../../contracts/interfaces/StemmaTypes.sol";
import {SplitMath} from "../../../contracts/libraries/SplitMath.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {ContributorTree} from "../helpers/ContributorTree.sol";
import {Random} from "../helpers/Random.sol";
import {vm} from "../helpers/Vm.sol";

/**
 * @dev Drives a router and registry through random sequences of everything that moves money or changes who is
 * owed it, and keeps the ghost records the ledger invariants need: every contributor set of every epoch (to build
 * proofs and sum entitlements), the parents of every model, and what went in and out per token.
 *
 * Each action takes raw fuzz words and derives a valid call from them (an action with nothing to act on returns).
 * Calls the spec says must succeed are wrapped in try/catch: an unexpected revert, or an expected one that did not
 * happen, is recorded in {failure} (first one wins) for the invariants to report, instead of being swallowed by
 * the fuzzer as a plain revert.
 *
 * The handler holds the fee-manager, dispute-manager and placeholder-assigner roles and is the treasury.
 *
 * NOTE: Keep {MAX_PARENTS} and {MAX_SET_SIZE} at 3 or more: cumulative rounding is monotone in the total for the
 * first and last entries of a list, so lists of one or two entries cannot show rounding bugs at all (the bug this
 * suite once caught, a middle slice shrinking from 1 to 0 as its total grew, needs three entries). Four parents
 * make a two-level {SplitMath-splitTree}.
 */
contract LedgerHandler {
    using Random for uint256;

    uint256 public constant MAX_MODELS = 10;
    uint256 public constant MAX_EPOCHS = 5;
    uint256 public constant MAX_PARENTS = 4;
    uint256 public constant MAX_SET_SIZE = 5;
    uint256 public constant ACTOR_COUNT = 6;

    struct ModelGhost {
        address steward;
        bool placeholder;
        /// @dev How many epochs the model has had; the current one is `epochs - 1`.
        uint32 epochs;
    }

    IRevenueRouter public router;
    IModelRegistry public registry;

    address[] private _tokens;
    address[] private _actors;
    bytes32[] private _modelIds;
    mapping(bytes32 id => ModelGhost) private _models;
    mapping(bytes32 id => ParentEdge[]) private _parents;
    /// @dev The contributor set of each epoch; empty for an escrow epoch (a placeholder not yet assigned).
    mapping(bytes32 id => mapping(uint32 epoch => Contributor[])) private _sets;
    uint256[] private _disputeIds;

    /// @dev Everything paid into the router, per token.
    mapping(address token => uint256) public paidIn;
    /// @dev Everything the router paid out (claims, sweeps, fee withdrawals), per token.
    mapping(address token => uint256) public paidOut;
    /// @dev Dispute bonds the registry holds.
    uint256 public bondsHeld;
    /// @dev The first unexpected outcome, or empty.
    string public failure;
    /// @dev How many times each action ran to completion (a coverage metric for the reports).
    mapping(bytes4 selector => uint256) public calls;

    constructor(IRevenueRouter router_, IModelRegistry registry_, address[] memory tokens_) {
        router = router_;
        registry = registry_;
        _tokens = tokens_;
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            _actors.push(address(uint160(uint256(keccak256(abi.encode("stemma.actor", i))))));
        }
    }

    /// @dev Receives dismissed disputes' bonds (the handler is the treasury).
    receive() external payable {}

    // ---------------------------------------------------------------- registration

    /// @dev Registers a placeholder (1 in 5) or a model over random existing, not revoked parents, with a random
    /// upstream share and a random contributor set (accounts may repeat).
    function register(uint256 seed) external {
        uint256 index = _modelIds.length;
        if (index >= MAX_MODELS) return;
        string memory key = string.concat("hf:stemma/model-", vm.toString(index));
        if (seed % 5 == 0) {
            try registry.registerPlaceholder(key) returns (bytes32 id) {
                _modelIds.push(id);
                _models[id] = ModelGhost({steward: address(0), placeholder: true, epochs: 1});
                _count(this.register.selector);
            } catch (bytes memory reason) {
                _fail("registerPlaceholder reverted", reason);
            }
            return;
        }
        IModelRegistry.Registration memory registration = _randomRegistration(seed, key);
        try registry.register(registration) returns (bytes32 id) {
            _modelIds.push(id);
            _models[id] = ModelGhost({steward: registration.steward, placeholder: false, epochs: 1});
            for (uint256 i = 0; i < registration.parents.length; ++i) _parents[id].push(registration.parents[i]);
            _recordSet(id, 0, registration.contributors);
            _count(this.register.selector);
        } catch (bytes memory reason) {
            _fail("register reverted", reason);
        }
    }

    /// @dev The administrators give an unassigned placeholder a steward and contributors, who take over its escrow.
    function assignPlaceholder(uint256 modelSeed, uint256 seed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isAssignable);
        if (!found) return;
        Contributor[] memory set = _randomSet(seed);
        address steward = _actor(seed >> 128);
        uint32 epoch = _models[id].epochs - 1;
        try registry.assignPlaceholder(id, steward, set) {
            _models[id].steward = steward;
            _recordSet(id, epoch, set);
            _count(this.assignPlaceholder.selector);
        } catch (bytes memory reason) {
            _fail("assignPlaceholder reverted", reason);
        }
    }

    /// @dev A steward replaces its model's contributors: a new epoch starts.
    function setContributors(uint256 modelSeed, uint256 seed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _acceptsNewEpoch);
        if (!found) return;
        Contributor[] memory set = _randomSet(seed);
        uint32 expected = _models[id].epochs;
        vm.prank(_models[id].steward);
        try registry.setContributors(id, set) returns (uint32 epoch) {
            if (epoch != expected) _fail("setContributors returned an unexpected epoch", "");
            _models[id].epochs = expected + 1;
            _recordSet(id, epoch, set);
            _count(this.setContributors.selector);
        } catch (bytes memory reason) {
            _fail("setContributors reverted", reason);
        }
    }

    // ---------------------------------------------------------------- money in, money through

    /// @dev Pays a random amount of ETH or of either ERC-20 to any model (disputed and revoked ones accept payments).
    function pay(uint256 modelSeed, uint256 tokenSeed, uint256 amountSeed) external {
        if (_modelIds.length == 0) return;
        bytes32 id = _modelIds[modelSeed % _modelIds.length];
        address token = _token(tokenSeed);
        uint256 amount = Random.amount(amountSeed);
        (uint256 fee, uint256 net) = router.previewPay(amount);
        uint256 feesBefore = router.fees(token);
        uint256 receivedBefore = router.modelBalance(id, token).received;
        uint256 value = 0;
        if (token == NATIVE_TOKEN) {
            vm.deal(address(this), address(this).balance + amount);
            value = amount;
        } else {
            TestToken(token).mint(address(this), amount);
            IERC20(token).approve(address(router), amount);
        }
        try router.pay{value: value}(id, token, amount) {
            paidIn[token] += amount;
            if (router.fees(token) != feesBefore + fee) _fail("pay: fee not credited to the treasury", "");
            if (router.modelBalance(id, token).received != receivedBefore + net) _fail("pay: net not received", "");
            _count(this.pay.selector);
        } catch (bytes memory reason) {
            _fail("pay reverted", reason);
        }
    }

    /**
     * @dev What a relayer settling a stream of micro-payments does: 1..4 rounds of paying a model, pushing its
     * upstream one hop and letting every entry of its current epoch claim, all in the same token. This walks one
     * model's lifetime totals in small steps, where rounding decides who gets each wei. One time in four the steward
     * then closes the epoch and every entry of it claims again: each must end up with exactly its slice.
     */
    function payAndSettle(uint256 modelSeed, uint256 tokenSeed, uint256 amountSeed) external {
        if (_modelIds.length == 0) return;
        bytes32 id = _modelIds[modelSeed % _modelIds.length];
        address token = _token(tokenSeed);
        uint256 rounds = amountSeed.bound(1, 4);
        for (uint256 round = 0; round < rounds; ++round) {
            this.pay(modelSeed, tokenSeed, amountSeed.next(round));
            if (router.flow(id).status != ModelStatus.ACTIVE) return;
            this.propagate(modelSeed, tokenSeed);
            uint32 epoch = _models[id].epochs - 1;
            Contributor[] memory set = _sets[id][epoch];
            ContributorClaim[] memory entries = new ContributorClaim[](1);
            for (uint256 j = 0; j < set.length; ++j) {
                entries[0] = ContributorTree.entry(id, epoch, set, j);
                _claimExpectingSuccess(token, entries);
            }
        }
        if ((amountSeed >> 128) % 4 == 0 && _acceptsNewEpoch(id)) {
            uint32 closing = _models[id].epochs - 1;
            this.setContributors(modelSeed, amountSeed.next(99));
            if (_models[id].epochs == closing + 2) _settleClosedEpoch(id, closing, token);
        }
        _count(this.payAndSettle.selector);
    }

    /// @dev Every entry of a closed epoch claims: each must then have claimed exactly its slice of the epoch's kept.
    function _settleClosedEpoch(bytes32 id, uint32 epoch, address token) private {
        Contributor[] memory set = _sets[id][epoch];
        uint256 kept = router.keptInEpoch(id, token, epoch);
        ContributorClaim[] memory entries = new ContributorClaim[](1);
        uint256 claimedTotal = 0;
        for (uint256 j = 0; j < set.length; ++j) {
            entries[0] = ContributorTree.entry(id, epoch, set, j);
            _claimExpectingSuccess(token, entries);
            uint256 claimedNow = router.claimed(id, token, epoch, entries[0].cumulativeBefore);
            if (claimedNow != SplitMath.slice(kept, entries[0].cumulativeBefore, entries[0].weightPpm)) {
                _fail("a settled entry of a closed epoch did not claim exactly its slice", "");
            }
            claimedTotal += claimedNow;
        }
        if (claimedTotal != kept) _fail("a settled closed epoch did not pay out exactly what it kept", "");
    }

    /// @dev Pushes one model's pending upstream one hop. Must succeed on an active model and move exactly what
    /// {IRevenueRouter-pendingUpstream} reported; must revert on a disputed or revoked one.
    function propagate(uint256 modelSeed, uint256 tokenSeed) external {
        if (_modelIds.length == 0) return;
        bytes32 id = _modelIds[modelSeed % _modelIds.length];
        address token = _token(tokenSeed);
        bool active = router.flow(id).status == ModelStatus.ACTIVE;
        uint256 pending = router.pendingUpstream(id, token);
        (uint256[] memory expected, uint256[] memory receivedBefore) = _expectedParentShares(id, token);
        try router.propagate(id, token, _parents[id]) returns (uint256 moved) {
            if (!active) _fail("propagate moved funds out of a disputed or revoked model", "");
            if (moved != pending) _fail("propagate moved other than pendingUpstream", "");
            if (router.pendingUpstream(id, token) != 0) _fail("propagate left upstream pending", "");
            ParentEdge[] storage parents = _parents[id];
            for (uint256 i = 0; i < parents.length; ++i) {
                if (router.modelBalance(parents[i].parentId, token).received != receivedBefore[i] + expected[i]) {
                    _fail("propagate: a parent received other than its splitTree part of the new upstream", "");
                }
            }
            _count(this.propagate.selector);
        } catch (bytes memory reason) {
            if (active) _fail("propagate reverted on an active model", reason);
        }
    }

    /// @dev Propagates 1..5 random steps over active models in one call, in random order or children first.
    function propagateBatch(uint256 seed) external {
        uint256 count = _modelIds.length;
        if (count == 0) return;
        uint256 steps = seed.bound(1, 5);
        bool childrenFirst = (seed >> 8) % 2 == 0;
        IRevenueRouter.Propagation[] memory batch = new IRevenueRouter.Propagation[](steps);
        uint256 used = 0;
        for (uint256 i = 0; i < steps; ++i) {
            uint256 r = seed.next(i);
            // Models are registered after their parents, so a descending index walks children before parents.
            uint256 index = childrenFirst ? count - 1 - ((count * i) / steps) : r % count;
            bytes32 id = _modelIds[index];
            if (router.flow(id).status != ModelStatus.ACTIVE) continue;
            batch[used++] = IRevenueRouter.Propagation({modelId: id, token: _token(r >> 8), parents: _parents[id]});
        }
        if (used == 0) return;
        assembly ("memory-safe") {
            mstore(batch, used)
        }
        try router.propagateBatch(batch) {
            _count(this.propagateBatch.selector);
        } catch (bytes memory reason) {
            _fail("propagateBatch reverted on active models", reason);
        }
    }

    // ---------------------------------------------------------------- money out

    /**
     * @dev One account claims a random subset of its entries, across models and epochs, in one token. Must pay
     * exactly the sum of the entries' {IRevenueRouter-claimable}, unless an entry's model is frozen (disputed, or
     * an earlier epoch of a revoked model), in which case the whole claim must revert.
     */
    function claim(uint256 seed, uint256 tokenSeed) external {
        address account = _actor(seed);
        address token = _token(tokenSeed);
        // Mostly claims that can succeed; one in eight may include frozen entries, and must then revert whole.
        (ContributorClaim[] memory entries, bool frozen) = _entriesOf(account, seed >> 16, (seed >> 8) % 8 == 0);
        if (entries.length == 0) return;
        if (!frozen) {
            _claimExpectingSuccess(token, entries);
            _count(this.claim.selector);
            return;
        }
        try router.claim(token, entries) {
            _fail("claim paid out of a frozen epoch", "");
        } catch {
            _count(this.claim.selector);
        }
    }

    /// @dev Claims entries none of which is frozen: must pay their account exactly the sum of their claimable.
    function _claimExpectingSuccess(address token, ContributorClaim[] memory entries) private {
        address account = entries[0].account;
        uint256 expected = 0;
        for (uint256 i = 0; i < entries.length; ++i) expected += _checkedClaimable(token, entries[i]);
        uint256 balanceBefore = _balanceOf(token, account);
        try router.claim(token, entries) returns (uint256 total) {
            if (total != expected) _fail("claim paid other than the entries' claimable", "");
            if (_balanceOf(token, account) != balanceBefore + total) _fail("claim: account not paid the total", "");
            paidOut[token] += total;
        } catch (bytes memory reason) {
            _fail("claim reverted", reason);
        }
    }

    /// @dev Pays the fee balance, or part of it, to an actor (the handler is the treasury).
    function withdrawFees(uint256 tokenSeed, uint256 amountSeed, uint256 toSeed) external {
        address token = _token(tokenSeed);
        uint256 available = router.fees(token);
        if (available == 0) return;
        uint256 amount = amountSeed % 2 == 0 ? available : (amountSeed >> 1).bound(0, available);
        address to = _actor(toSeed);
        uint256 balanceBefore = _balanceOf(token, to);
        try router.withdrawFees(token, to, amount) {
            if (_balanceOf(token, to) != balanceBefore + amount) _fail("withdrawFees: recipient not paid", "");
            paidOut[token] += amount;
            _count(this.withdrawFees.selector);
        } catch (bytes memory reason) {
            _fail("withdrawFees reverted", reason);
        }
    }

    /// @dev Sets the protocol fee anywhere in [0, MAX_FEE_PPM].
    function setFee(uint256 seed) external {
        uint32 fee = seed % 3 == 0 ? 0 : uint32((seed >> 8).bound(0, router.MAX_FEE_PPM()));
        try router.setFee(fee) {
            _count(this.setFee.selector);
        } catch (bytes memory reason) {
            _fail("setFee reverted", reason);
        }
    }

    // ---------------------------------------------------------------- disputes

    /// @dev An actor disputes an active model with the bond: nothing may leave the model until it is resolved.
    function raiseDispute(uint256 modelSeed, uint256 seed) external {
        // Disputes are rare: one call in three raises one, so that sequences are not all frozen models.
        if (seed % 3 != 0) return;
        (bool found, bytes32 id) = _findModel(modelSeed, _isActive);
        if (!found) return;
        address disputer = _actor(seed >> 8);
        uint256 bond = registry.disputeBond();
        vm.deal(disputer, disputer.balance + bond);
        vm.prank(disputer);
        try registry.raiseDispute{value: bond}(id, keccak256(abi.encode(seed))) returns (uint256 disputeId) {
            _disputeIds.push(disputeId);
            bondsHeld += bond;
            _count(this.raiseDispute.selector);
        } catch (bytes memory reason) {
            _fail("raiseDispute reverted", reason);
        }
    }

    /// @dev Resolves a pending dispute: dismissed (3 in 4) or upheld, naming an actor as beneficiary, who then owns
    /// a new one-entry epoch.
    function resolveDispute(uint256 disputeSeed, uint256 seed) external {
        (bool found, uint256 disputeId) = _findDispute(disputeSeed, true);
        if (!found) return;
        bytes32 id = registry.dispute(disputeId).modelId;
        bool upheld = seed % 4 == 0;
        address beneficiary = _actor(seed >> 8);
        try registry.resolveDispute(disputeId, upheld, beneficiary) {
            if (upheld) _recordRevocation(id, beneficiary);
            _count(this.resolveDispute.selector);
        } catch (bytes memory reason) {
            _fail("resolveDispute reverted", reason);
        }
    }

    /// @dev The beneficiary's one-entry set starts a new epoch, or, on an unassigned placeholder, takes over the
    /// escrow epoch (so that the escrow is owed to it rather than stranded).
    function _recordRevocation(bytes32 id, address beneficiary) private {
        uint32 epoch = _models[id].epochs - 1;
        if (_sets[id][epoch].length != 0) {
            epoch += 1;
            _models[id].epochs = epoch + 1;
        }
        if (router.flow(id).revokedEpoch != epoch) _fail("revocation started an unexpected epoch", "");
        Contributor[] memory set = new Contributor[](1);
        set[0] = Contributor({account: beneficiary, role: Role.OTHER, weightPpm: PPM});
        _recordSet(id, epoch, set);
    }

    /// @dev Pays out a resolved dispute's bond.
    function withdrawBond(uint256 disputeSeed) external {
        (bool found, uint256 disputeId) = _findDispute(disputeSeed, false);
        if (!found) return;
        uint256 bond = registry.dispute(disputeId).bond;
        try registry.withdrawBond(disputeId) {
            bondsHeld -= bond;
            _count(this.withdrawBond.selector);
        } catch (bytes memory reason) {
            _fail("withdrawBond reverted", reason);
        }
    }

    /// @dev Sweeps a revoked model's pending upstream to its beneficiary.
    function sweepUpstream(uint256 modelSeed, uint256 tokenSeed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isRevoked);
        if (!found) return;
        address token = _token(tokenSeed);
        uint256 pending = router.pendingUpstream(id, token);
        address beneficiary = router.beneficiary(id);
        uint256 balanceBefore = _balanceOf(token, beneficiary);
        try router.sweepUpstream(id, token) returns (uint256 amount) {
            if (amount != pending) _fail("sweepUpstream moved other than pendingUpstream", "");
            if (_balanceOf(token, beneficiary) != balanceBefore + amount) _fail("sweepUpstream: not paid", "");
            paidOut[token] += amount;
            _count(this.sweepUpstream.selector);
        } catch (bytes memory reason) {
            _fail("sweepUpstream reverted", reason);
        }
    }

    /// @dev Sweeps one entry of an earlier epoch of a revoked model to its beneficiary.
    function sweepContributor(uint256 modelSeed, uint256 seed, uint256 tokenSeed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isRevoked);
        if (!found) return;
        uint32 revokedEpoch = router.flow(id).revokedEpoch;
        // A revoked placeholder has no earlier epoch: its beneficiary took over the escrow epoch.
        if (revokedEpoch == 0) return;
        uint32 epoch = uint32(seed % revokedEpoch);
        Contributor[] memory set = _sets[id][epoch];
        ContributorClaim memory entry = ContributorTree.entry(id, epoch, set, (seed >> 64) % set.length);
        address token = _token(tokenSeed);
        uint256 expected = _checkedClaimable(token, entry);
        address beneficiary = router.beneficiary(id);
        uint256 balanceBefore = _balanceOf(token, beneficiary);
        try router.sweepContributor(token, entry) returns (uint256 amount) {
            if (amount != expected) _fail("sweepContributor moved other than the entry's claimable", "");
            if (_balanceOf(token, beneficiary) != balanceBefore + amount) _fail("sweepContributor: not paid", "");
            paidOut[token] += amount;
            _count(this.sweepContributor.selector);
        } catch (bytes memory reason) {
            _fail("sweepContributor reverted", reason);
        }
    }

    // ---------------------------------------------------------------- seeded driver

    /// @dev Runs one action chosen and parameterised by `seed` (for seeded random sequences).
    function step(uint256 seed) external {
        uint256 a = seed.next(1);
        uint256 b = seed.next(2);
        uint256 c = seed.next(3);
        uint256 action = seed % 100;
        if (action < 10) this.register(a);
        else if (action < 25) this.pay(a, b, c);
        else if (action < 45) this.payAndSettle(a, b, c);
        else if (action < 53) this.propagate(a, b);
        else if (action < 58) this.propagateBatch(a);
        else if (action < 70) this.claim(a, b);
        else if (action < 75) this.setContributors(a, b);
        else if (action < 78) this.assignPlaceholder(a, b);
        else if (action < 83) this.raiseDispute(a, b);
        else if (action < 87) this.resolveDispute(a, b);
        else if (action < 89) this.withdrawBond(a);
        else if (action < 92) this.sweepUpstream(a, b);
        else if (action < 95) this.sweepContributor(a, b, c);
        else if (action < 97) this.setFee(a);
        else this.withdrawFees(a, b, c);
    }

    // ---------------------------------------------------------------- ledger views for the invariants

    /**
     * @dev Everything the router owes in `token`, from its own views and the ghost contributor sets: the treasury's
     * fees, each model's not-yet-pushed upstream, each entry's final entitlement (its slice of its epoch's kept
     * total; for the current epoch, what it will be if the epoch closed now) less what it claimed (freezes
     * ignored), and the kept amount of every epoch without contributors (escrow). Reverts naming the first
     * inconsistency between the router's views (an entry that claimed more than its slice of a closed epoch, or more
     * than its share of the current one; epochs' kept amounts not adding up to the model's kept).
     */
    function owed(address token) external view returns (uint256 total) {
        total = router.fees(token);
        for (uint256 m = 0; m < _modelIds.length; ++m) {
            bytes32 id = _modelIds[m];
            IRevenueRouter.ModelBalance memory balance = router.modelBalance(id, token);
            uint256 pending = router.pendingUpstream(id, token);
            require(balance.upstream == balance.pushed + pending, "upstream != pushed + pending");
            require(balance.upstream + balance.kept == balance.received, "upstream + kept != received");
            total += pending;
            uint256 keptSum = 0;
            for (uint32 epoch = 0; epoch < _models[id].epochs; ++epoch) {
                uint256 kept = router.keptInEpoch(id, token, epoch);
                keptSum += kept;
                total += _owedInEpoch(id, token, epoch, kept);
            }
            require(keptSum == balance.kept, "kept per epoch does not add up to the model's kept");
        }
    }

    function _owedInEpoch(bytes32 id, address token, uint32 epoch, uint256 kept) private view returns (uint256 total) {
        Contributor[] storage set = _sets[id][epoch];
        if (set.length == 0) return kept;
        bool closed = _isClosed(id, epoch);
        uint256 cumulative = 0;
        for (uint256 j = 0; j < set.length; ++j) {
            // Owed in the end: the slice of the epoch's kept total (final once the epoch closes). Paid so far: at
            // most that slice, and while the epoch is current at most the share, which is never above any later
            // slice, so no claim is ever taken back from other entries' funds.
            uint256 entitlement = SplitMath.slice(kept, cumulative, set[j].weightPpm);
            uint256 cap = closed ? entitlement : SplitMath.share(kept, set[j].weightPpm);
            uint256 alreadyClaimed = router.claimed(id, token, epoch, uint32(cumulative));
            // (The message is built only on failure: a require's message is evaluated even when it holds.)
            if (alreadyClaimed > cap) {
                revert(
                    string.concat(
                        closed
                            ? "entry claimed more than its slice: model "
                            : "entry claimed more than its share: model ",
                        vm.toString(uint256(id)),
                        " epoch ",
                        vm.toString(epoch),
                        " cumulativeBefore ",
                        vm.toString(cumulative)
                    )
                );
            }
            total += entitlement - alreadyClaimed;
            cumulative += set[j].weightPpm;
        }
    }

    function balanceOf(address token, address account) external view returns (uint256) {
        return _balanceOf(token, account);
    }

    function tokens() external view returns (address[] memory) {
        return _tokens;
    }

    function modelCount() external view returns (uint256) {
        return _modelIds.length;
    }

    // ---------------------------------------------------------------- helpers

    function _randomRegistration(
        uint256 seed,
        string memory key
    ) private view returns (IModelRegistry.Registration memory registration) {
        (ParentEdge[] memory parents, Terms[] memory expectedTerms) = _randomParents(seed);
        registration = IModelRegistry.Registration({
            key: key,
            steward: _actor(seed.next(4)),
            upstreamPpm: parents.length == 0 ? 0 : Random.share(seed.next(5)),
            parents: parents,
            expectedParentTerms: expectedTerms,
            contributors: _randomSet(seed.next(6)),
            terms: Terms({derivativesAllowed: true, minDerivativePpm: 0}),
            weightsDigest: bytes32(seed),
            metadataURI: "ipfs://stemma-test",
            license: "Apache-2.0"
        });
    }

    /// @dev Up to MAX_PARENTS distinct models that are not revoked, from a random rotation, with random weights and
    /// relations, and the terms the registrant sees for each.
    function _randomParents(
        uint256 seed
    ) private view returns (ParentEdge[] memory parents, Terms[] memory expectedTerms) {
        uint256 count = _modelIds.length;
        bytes32[] memory eligible = new bytes32[](count);
        uint256 eligibleCount = 0;
        uint256 offset = count == 0 ? 0 : seed.next(1) % count;
        for (uint256 i = 0; i < count; ++i) {
            bytes32 id = _modelIds[(offset + i) % count];
            if (router.flow(id).status != ModelStatus.REVOKED) eligible[eligibleCount++] = id;
        }
        uint256 parentCount = seed.next(2) % ((eligibleCount < MAX_PARENTS ? eligibleCount : MAX_PARENTS) + 1);
        uint32[] memory weights = Random.weights(seed.next(3), parentCount, false);
        parents = new ParentEdge[](parentCount);
        expectedTerms = new Terms[](parentCount);
        for (uint256 i = 0; i < parentCount; ++i) {
            parents[i] = ParentEdge({
                parentId: eligible[i],
                relation: Relation(seed.next(10 + i) % (uint8(type(Relation).max) + 1)),
                weightPpm: weights[i]
            });
            expectedTerms[i] = registry.model(eligible[i]).terms;
        }
    }

    /// @dev 1..MAX_SET_SIZE entries over the actors (repeats allowed), random roles, weights summing to PPM.
    function _randomSet(uint256 seed) private view returns (Contributor[] memory set) {
        uint256 size = seed.bound(1, MAX_SET_SIZE);
        uint32[] memory weights = Random.weights(seed.next(0), size, false);
        set = new Contributor[](size);
        for (uint256 i = 0; i < size; ++i) {
            uint256 r = seed.next(i + 1);
            set[i] = Contributor({
                account: _actor(r),
                role: Role((r >> 8) % (uint8(type(Role).max) + 1)),
                weightPpm: weights[i]
            });
        }
    }

    /// @dev Stores an epoch's set and checks that the router's root for the epoch commits to it.
    function _recordSet(bytes32 id, uint32 epoch, Contributor[] memory set) private {
        for (uint256 i = 0; i < set.length; ++i) _sets[id][epoch].push(set[i]);
        if (router.epochRoot(id, epoch) != ContributorTree.root(set))
            _fail("epoch root does not commit to the set", "");
    }

    /// @dev A random subset (at most 8) of `account`'s entries with their proofs, and whether one of them is frozen
    /// (`includeFrozen` lets entries of disputed models and of revoked models' earlier epochs in).
    function _entriesOf(
        address account,
        uint256 seed,
        bool includeFrozen
    ) private view returns (ContributorClaim[] memory entries, bool frozen) {
        entries = new ContributorClaim[](8);
        uint256 used = 0;
        uint256 bit = 0;
        for (uint256 m = 0; m < _modelIds.length && used < 8; ++m) {
            bytes32 id = _modelIds[m];
            IRevenueRouter.Flow memory modelFlow = router.flow(id);
            for (uint32 epoch = 0; epoch < _models[id].epochs && used < 8; ++epoch) {
                Contributor[] memory set = _sets[id][epoch];
                for (uint256 j = 0; j < set.length && used < 8; ++j) {
                    if (set[j].account != account) continue;
                    // Each entry is in with probability 1/2 (bits of the seed, recycled past 256 entries).
                    if ((seed >> (bit++ % 256)) & 1 == 0) continue;
                    bool entryFrozen =
                        modelFlow.status == ModelStatus.DISPUTED ||
                            (modelFlow.status == ModelStatus.REVOKED && epoch < modelFlow.revokedEpoch);
                    if (entryFrozen && !includeFrozen) continue;
                    entries[used++] = ContributorTree.entry(id, epoch, set, j);
                    frozen = frozen || entryFrozen;
                }
            }
        }
        assembly ("memory-safe") {
            mstore(entries, used)
        }
    }

    /**
     * @dev What a propagation of `id` must add to each parent's `received`: its splitTree part of the model's
     * lifetime upstream less its part of what was pushed before (computed here from the model's lifetime totals and
     * the ghost edges), and the parents' `received` before it.
     */
    function _expectedParentShares(
        bytes32 id,
        address token
    ) private view returns (uint256[] memory expected, uint256[] memory receivedBefore) {
        ParentEdge[] storage parents = _parents[id];
        uint256 count = parents.length;
        expected = new uint256[](count);
        receivedBefore = new uint256[](count);
        if (count == 0) return (expected, receivedBefore);
        uint256[] memory cumulative = new uint256[](count + 1);
        for (uint256 i = 0; i < count; ++i) {
            cumulative[i + 1] = cumulative[i] + parents[i].weightPpm;
            receivedBefore[i] = router.modelBalance(parents[i].parentId, token).received;
        }
        IRevenueRouter.ModelBalance memory balance = router.modelBalance(id, token);
        uint256[] memory partsNow = SplitMath.splitTree(balance.upstream, cumulative);
        uint256[] memory before = SplitMath.splitTree(balance.pushed, cumulative);
        for (uint256 i = 0; i < count; ++i) {
            // A part that shrank would make the router's propagation underflow: report it instead of reverting here.
            expected[i] = partsNow[i] >= before[i] ? partsNow[i] - before[i] : 0;
        }
    }

    /**
     * @dev The router's claimable for an entry, checked against the entitlement computed here from the ghost epochs:
     * an entry of a closed epoch (earlier than the model's current one) is owed its slice of the epoch's kept total;
     * an entry of the current epoch only its share, `floor(kept * w / PPM)`, until the epoch closes.
     */
    function _checkedClaimable(address token, ContributorClaim memory entry) private returns (uint256 amount) {
        amount = router.claimable(token, entry);
        uint256 kept = router.keptInEpoch(entry.modelId, token, entry.epoch);
        uint256 entitlement =
            _isClosed(entry.modelId, entry.epoch)
                ? SplitMath.slice(kept, entry.cumulativeBefore, entry.weightPpm)
                : SplitMath.share(kept, entry.weightPpm);
        uint256 alreadyClaimed = router.claimed(entry.modelId, token, entry.epoch, entry.cumulativeBefore);
        if (alreadyClaimed > entitlement) _fail("an entry claimed more than its entitlement so far", "");
        uint256 expected = entitlement > alreadyClaimed ? entitlement - alreadyClaimed : 0;
        if (amount != expected) _fail("claimable != entitlement - claimed (slice if closed, share if current)", "");
    }

    /// @dev Whether `epoch` of `id` is closed: a later epoch has started (ghost record).
    function _isClosed(bytes32 id, uint32 epoch) private view returns (bool) {
        return epoch + 1 < _models[id].epochs;
    }

    function _findModel(
        uint256 seed,
        function(bytes32) view returns (bool) accept
    ) private view returns (bool found, bytes32 id) {
        uint256 count = _modelIds.length;
        for (uint256 i = 0; i < count; ++i) {
            id = _modelIds[(seed + i) % count];
            if (accept(id)) return (true, id);
        }
        return (false, bytes32(0));
    }

    function _isActive(bytes32 id) private view returns (bool) {
        return router.flow(id).status == ModelStatus.ACTIVE;
    }

    function _isRevoked(bytes32 id) private view returns (bool) {
        return router.flow(id).status == ModelStatus.REVOKED;
    }

    function _isAssignable(bytes32 id) private view returns (bool) {
        return _models[id].placeholder && _models[id].steward == address(0) && _isActive(id);
    }

    function _acceptsNewEpoch(bytes32 id) private view returns (bool) {
        return _models[id].steward != address(0) && _models[id].epochs < MAX_EPOCHS && _isActive(id);
    }

    /// @dev A dispute that is pending (`pending`) or resolved with its bond still held (`!pending`).
    function _findDispute(uint256 seed, bool pending) private view returns (bool, uint256) {
        uint256 count = _disputeIds.length;
        for (uint256 i = 0; i < count; ++i) {
            uint256 disputeId = _disputeIds[(seed + i) % count];
            IModelRegistry.Dispute memory record = registry.dispute(disputeId);
            bool isPending = record.outcome == IModelRegistry.DisputeOutcome.PENDING;
            if (pending ? isPending : (!isPending && !record.bondWithdrawn)) return (true, disputeId);
        }
        return (false, 0);
    }

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % ACTOR_COUNT];
    }

    function _token(uint256 seed) private view returns (address) {
        return _tokens[seed % _tokens.length];
    }

    function _balanceOf(address token, address account) private view returns (uint256) {
        return token == NATIVE_TOKEN ? account.balance : IERC20(token).balanceOf(account);
    }

    function _count(bytes4 selector) private {
        ++calls[selector];
    }

    function _fail(string memory what, bytes memory reason) private {
        if (bytes(failure).length != 0) return;
        failure = reason.length == 0 ? what : string.concat(what, ": ", vm.toString(reason));
    }
}
