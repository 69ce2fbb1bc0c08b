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
 * Disputes have ghosts of their own: every dispute raised (model, disputer, bond, outcome, whether its bond was paid
 * out) with the running totals of bonds posted, held and paid to each side, and, for each disputed model, its
 * outflows in every token when the dispute was raised ({frozenOutflow}), which must not change until it is resolved.
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

    /// @dev A dispute as the handler raised it, and what became of its bond.
    struct DisputeGhost {
        bytes32 modelId;
        address disputer;
        uint256 bond;
        IModelRegistry.DisputeOutcome outcome;
        bool bondWithdrawn;
    }

    /// @dev What has left a model in one token over its lifetime: the upstream pushed to its parents (or swept to a
    /// beneficiary) and what its contributor entries claimed (or had swept), over the entries of every epoch.
    struct Outflow {
        uint256 pushed;
        uint256 claimed;
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
    mapping(uint256 disputeId => DisputeGhost) private _disputes;
    /// @dev A disputed model's outflows when its dispute was raised.
    mapping(bytes32 id => mapping(address token => Outflow)) private _frozenOutflows;

    /// @dev Everything paid into the router, per token.
    mapping(address token => uint256) public paidIn;
    /// @dev Everything the router paid out (claims, sweeps, fee withdrawals), per token.
    mapping(address token => uint256) public paidOut;
    /// @dev Dispute bonds the registry holds.
    uint256 public bondsHeld;
    /// @dev Every bond paid into the registry by a dispute.
    uint256 public bondsPosted;
    /// @dev Bonds of dismissed disputes paid out to the treasury (the handler).
    uint256 public bondsToTreasury;
    /// @dev Bonds of upheld disputes paid back to their disputers.
    uint256 public bondsToDisputers;
    /// @dev The pending dispute of each model, or 0.
    mapping(bytes32 id => uint256 disputeId) public openDispute;
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
        if (_pay(_modelIds[modelSeed % _modelIds.length], _token(tokenSeed), Random.amount(amountSeed))) {
            _count(this.pay.selector);
        }
    }

    /// @dev Pays `amount` of `token` to model `id`: must succeed, crediting the fee and the net amount exactly.
    function _pay(bytes32 id, address token, uint256 amount) private returns (bool paid) {
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
            paid = true;
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

    /**
     * @dev An actor disputes an active model with the bond, which the administrators first change one time in four.
     * Placeholders can be disputed like any active model (the registry only asks for `ACTIVE`), and one time in two
     * an unassigned one is chosen when there is one, so that escrow gets frozen and released too. Nothing may leave
     * the model until the dispute is resolved: its outflows in every token are recorded now ({frozenOutflow}).
     */
    function raiseDispute(uint256 modelSeed, uint256 seed) external {
        // Disputes are rare: one call in three raises one, so that sequences are not all frozen models.
        if (seed % 3 != 0) return;
        bool found = false;
        bytes32 id;
        if ((seed >> 16) % 2 == 0) (found, id) = _findModel(modelSeed, _isAssignable);
        if (!found) (found, id) = _findModel(modelSeed, _isActive);
        if (!found) return;
        if ((seed >> 24) % 4 == 0) _setDisputeBond(seed >> 32);
        address disputer = _actor(seed >> 8);
        uint256 bond = registry.disputeBond();
        vm.deal(disputer, disputer.balance + bond);
        vm.prank(disputer);
        try registry.raiseDispute{value: bond}(id, keccak256(abi.encode(seed))) returns (uint256 disputeId) {
            _disputeIds.push(disputeId);
            _disputes[disputeId] = DisputeGhost({
                modelId: id,
                disputer: disputer,
                bond: bond,
                outcome: IModelRegistry.DisputeOutcome.PENDING,
                bondWithdrawn: false
            });
            openDispute[id] = disputeId;
            bondsHeld += bond;
            bondsPosted += bond;
            if (!_isDisputed(id) || registry.activeDispute(id) != disputeId) {
                _fail("raiseDispute: the model is not disputed by the new dispute", "");
            }
            for (uint256 t = 0; t < _tokens.length; ++t) _frozenOutflows[id][_tokens[t]] = _outflowOf(id, _tokens[t]);
            _count(this.raiseDispute.selector);
        } catch (bytes memory reason) {
            _fail("raiseDispute reverted", reason);
        }
    }

    /// @dev The administrators set the bond for new disputes: 0 one time in four, else up to 2 ETH. Pending disputes
    /// keep the bond they posted.
    function _setDisputeBond(uint256 seed) private {
        uint256 bond = seed % 4 == 0 ? 0 : (seed >> 8).bound(1, 2 ether);
        try registry.setDisputeBond(bond) {
            if (registry.disputeBond() != bond) _fail("setDisputeBond did not set the bond", "");
        } catch (bytes memory reason) {
            _fail("setDisputeBond reverted", reason);
        }
    }

    /**
     * @dev Resolves a pending dispute: dismissed (3 in 4; 1 in 2 on an unassigned placeholder) or upheld, naming an
     * actor as beneficiary, who then owns a new one-entry epoch (on an unassigned placeholder, the escrow epoch). A
     * resolution moves no funds but must release exactly what the model held, in every token (see {_checkRelease}).
     */
    function resolveDispute(uint256 disputeSeed, uint256 seed) external {
        (bool found, uint256 disputeId) = _findDispute(disputeSeed, true);
        if (!found) return;
        bytes32 id = registry.dispute(disputeId).modelId;
        bool upheld = seed % (_isUnassignedPlaceholder(id) ? 2 : 4) == 0;
        address beneficiary = _actor(seed >> 8);
        uint32 epochBefore = router.flow(id).epoch;
        uint256[] memory held = new uint256[](_tokens.length);
        for (uint256 t = 0; t < _tokens.length; ++t) held[t] = _owedBy(id, _tokens[t]);
        try registry.resolveDispute(disputeId, upheld, beneficiary) {
            delete openDispute[id];
            _disputes[disputeId].outcome =
                upheld ? IModelRegistry.DisputeOutcome.UPHELD : IModelRegistry.DisputeOutcome.DISMISSED;
            if (upheld) _recordRevocation(id, beneficiary);
            _checkRelease(id, upheld, beneficiary, epochBefore, held);
            _count(this.resolveDispute.selector);
        } catch (bytes memory reason) {
            _fail("resolveDispute reverted", reason);
        }
    }

    /**
     * @dev Exact release: in each token, a resolved model owes to the wei what it held (`held`: pending upstream,
     * unclaimed entitlements and escrow) right before the resolution. Dismissed: the model is active again in the
     * same epoch with the same root, so the same amounts are owed to the same entries. Upheld: the router names the
     * beneficiary, and everything held is the beneficiary's to take through the router's views: the pending upstream
     * ({IRevenueRouter-sweepUpstream}), every earlier entry's claimable ({IRevenueRouter-sweepContributor}) and its
     * own entry's (on an unassigned placeholder, the escrow).
     */
    function _checkRelease(
        bytes32 id,
        bool upheld,
        address beneficiary,
        uint32 epochBefore,
        uint256[] memory held
    ) private {
        IRevenueRouter.Flow memory modelFlow = router.flow(id);
        if (upheld) {
            if (modelFlow.status != ModelStatus.REVOKED || router.beneficiary(id) != beneficiary) {
                _fail("upheld dispute: model not revoked to the beneficiary named", "");
            }
        } else {
            Contributor[] memory set = _sets[id][epochBefore];
            bytes32 root = set.length == 0 ? bytes32(0) : ContributorTree.root(set);
            if (
                modelFlow.status != ModelStatus.ACTIVE ||
                modelFlow.epoch != epochBefore ||
                router.epochRoot(id, epochBefore) != root
            ) _fail("dismissed dispute: model not active again in the same epoch, with the same set", "");
        }
        // Through an external call: a view that reverts now must be recorded, not revert the resolution away.
        try this.releasedBy(id, upheld) returns (uint256[] memory owedNow, uint256[] memory beneficiaryCanTake) {
            for (uint256 t = 0; t < _tokens.length; ++t) {
                if (owedNow[t] != held[t]) _fail("resolveDispute changed what the model owes", "");
                if (upheld && beneficiaryCanTake[t] != held[t]) {
                    _fail("upheld dispute: the beneficiary cannot take exactly what the model held", "");
                }
            }
        } catch (bytes memory reason) {
            _fail("the router's views of a resolved model revert", reason);
        }
    }

    /// @dev For {_checkRelease}: per token, what model `id` owes ({_owedBy}) and, if `revoked`, what its beneficiary
    /// can take (zero otherwise).
    function releasedBy(
        bytes32 id,
        bool revoked
    ) external view returns (uint256[] memory owedNow, uint256[] memory beneficiaryCanTake) {
        owedNow = new uint256[](_tokens.length);
        beneficiaryCanTake = new uint256[](_tokens.length);
        for (uint256 t = 0; t < _tokens.length; ++t) {
            owedNow[t] = _owedBy(id, _tokens[t]);
            if (revoked) beneficiaryCanTake[t] = _beneficiaryCanTake(id, _tokens[t]);
        }
    }

    /// @dev What a revoked model's beneficiary can take in `token` now, by the router's views: its pending upstream
    /// and the claimable of every entry of every epoch (earlier ones by sweeping, its own by claiming).
    function _beneficiaryCanTake(bytes32 id, address token) private view returns (uint256 total) {
        total = router.pendingUpstream(id, token);
        for (uint32 epoch = 0; epoch < _models[id].epochs; ++epoch) {
            Contributor[] memory set = _sets[id][epoch];
            for (uint256 j = 0; j < set.length; ++j) {
                total += router.claimable(token, ContributorTree.entry(id, epoch, set, j));
            }
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

    /// @dev Pays out a resolved dispute's bond: all of it to the treasury (the handler) if the dispute was dismissed,
    /// back to the disputer if it was upheld, and nothing to the other party.
    function withdrawBond(uint256 disputeSeed) external {
        (bool found, uint256 disputeId) = _findDispute(disputeSeed, false);
        if (!found) return;
        DisputeGhost storage ghost = _disputes[disputeId];
        uint256 bond = ghost.bond;
        bool upheld = ghost.outcome == IModelRegistry.DisputeOutcome.UPHELD;
        address treasury = router.treasury();
        uint256 treasuryBefore = treasury.balance;
        uint256 disputerBefore = ghost.disputer.balance;
        try registry.withdrawBond(disputeId) {
            if (treasury.balance != treasuryBefore + (upheld ? 0 : bond)) {
                _fail("withdrawBond: the treasury was not paid exactly a dismissed dispute's bond", "");
            }
            if (ghost.disputer.balance != disputerBefore + (upheld ? bond : 0)) {
                _fail("withdrawBond: the disputer was not repaid exactly an upheld dispute's bond", "");
            }
            ghost.bondWithdrawn = true;
            bondsHeld -= bond;
            if (upheld) bondsToDisputers += bond;
            else bondsToTreasury += bond;
            _count(this.withdrawBond.selector);
        } catch (bytes memory reason) {
            _fail("withdrawBond reverted", reason);
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
        bytes memory sweep = abi.encodeCall(IRevenueRouter.sweepContributor, (token, entry));
        if (_sweepExpecting(id, token, sweep, expected, "sweepContributor", "the entry's claimable")) {
            _count(this.sweepContributor.selector);
        }
    }

    /**
     * @dev Makes the router sweep call `sweep` on revoked model `id` in `token`: it must succeed, return exactly
     * `expected` (`expectedName` in the failure message) and pay that much to the model's beneficiary. Returns
     * whether it succeeded; `what` names the call in failures.
     */
    function _sweepExpecting(
        bytes32 id,
        address token,
        bytes memory sweep,
        uint256 expected,
        string memory what,
        string memory expectedName
    ) private returns (bool swept) {
        address beneficiary = router.beneficiary(id);
        uint256 balanceBefore = _balanceOf(token, beneficiary);
        (bool success, bytes memory result) = address(router).call(sweep);
        if (!success) {
            _fail(string.concat(what, " reverted"), result);
            return false;
        }
        uint256 amount = abi.decode(result, (uint256));
        if (amount != expected) _fail(string.concat(what, " moved other than ", expectedName), "");
        if (_balanceOf(token, beneficiary) != balanceBefore + amount) _fail(string.concat(what, ": not paid"), "");
        paidOut[token] += amount;
        return true;
    }

    /**
     * @dev Pays a disputed model one time in two (it must accept payments), then tries every way money could leave
     * it, in a token it holds something in when there is one: propagating its upstream (alone, and in a batch after an
     * active model's step), sweeping its upstream, and one of its contributor entries, with a valid proof, claiming
     * and being swept. Each must revert with the router's error for that path: {RevenueRouterModelFrozen} for
     * propagation and claims, {RevenueRouterNotSweepable} for sweeps (a disputed model is not revoked, so it has no
     * beneficiary).
     */
    function moveOutOfDisputed(uint256 modelSeed, uint256 seed, uint256 tokenSeed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isDisputed);
        if (!found) return;
        if (seed % 2 == 0) _pay(id, _token(tokenSeed), Random.amount(seed >> 128));
        bytes memory frozen = abi.encodeWithSelector(IRevenueRouter.RevenueRouterModelFrozen.selector, id);
        address token = _tokenWithPendingUpstream(id, tokenSeed);
        ParentEdge[] memory parents = _parents[id];
        _expectRevert(
            address(router),
            0,
            abi.encodeCall(IRevenueRouter.propagate, (id, token, parents)),
            frozen,
            "propagate from a disputed model"
        );
        _expectRevert(
            address(router),
            0,
            abi.encodeCall(IRevenueRouter.propagateBatch, (_batchEndingWith(id, token, seed))),
            frozen,
            "propagateBatch from a disputed model"
        );
        // An unassigned placeholder has no entries: its kept revenue is escrow, which only an assignment releases.
        (bool hasEntry, ContributorClaim memory entry) = _entryOf(id, seed >> 8);
        if (hasEntry) {
            token = _tokenWithClaimable(entry, tokenSeed);
            ContributorClaim[] memory entries = new ContributorClaim[](1);
            entries[0] = entry;
            _expectRevert(
                address(router),
                0,
                abi.encodeCall(IRevenueRouter.claim, (token, entries)),
                frozen,
                "claim from a disputed model"
            );
            _expectRevert(
                address(router),
                0,
                abi.encodeCall(IRevenueRouter.sweepContributor, (token, entry)),
                abi.encodeWithSelector(IRevenueRouter.RevenueRouterNotSweepable.selector, id, entry.epoch),
                "sweepContributor of a disputed model"
            );
        }
        _count(this.moveOutOfDisputed.selector);
    }

    /**
     * @dev A dispute action the registry must refuse with the error named, starting from a random one of these and
     * taking the first that has something to act on: raising a dispute on a disputed or a revoked model
     * ({ModelRegistryModelNotActive}); replacing a disputed model's contributors, or assigning a disputed placeholder
     * ({ModelRegistryModelNotActive}); resolving a resolved dispute ({ModelRegistryDisputeState}); withdrawing the
     * bond of a pending dispute ({ModelRegistryDisputeState}) or a withdrawn one
     * ({ModelRegistryBondAlreadyWithdrawn}); raising a dispute with other than the bond ({ModelRegistryWrongBond}),
     * or on an unregistered id ({ModelRegistryUnknownModel}). No bond may move ({bondsHeld} is checked by the
     * invariants).
     */
    function disputeMisuse(uint256 modelSeed, uint256 seed) external {
        uint256 kinds = 7;
        for (uint256 i = 0; i < kinds; ++i) {
            if (_misuseDispute(((seed % kinds) + i) % kinds, modelSeed, seed >> 8)) {
                _count(this.disputeMisuse.selector);
                return;
            }
        }
    }

    /// @dev One kind of {disputeMisuse}; false if there is nothing to act on (the last kind always has something).
    function _misuseDispute(uint256 kind, uint256 modelSeed, uint256 seed) private returns (bool) {
        if (kind < 2) {
            (bool found, bytes32 id) = _findModel(modelSeed, kind == 0 ? _isDisputed : _isRevoked);
            if (!found) return false;
            ModelStatus status = kind == 0 ? ModelStatus.DISPUTED : ModelStatus.REVOKED;
            _raiseDisputeExpectingRevert(
                id,
                registry.disputeBond(),
                seed,
                abi.encodeWithSelector(IModelRegistry.ModelRegistryModelNotActive.selector, id, status),
                kind == 0 ? "raiseDispute on a disputed model" : "raiseDispute on a revoked model"
            );
        } else if (kind == 2) {
            (bool found, bytes32 id) = _findModel(modelSeed, _isDisputed);
            if (!found) return false;
            bytes memory notActive = abi.encodeWithSelector(
                IModelRegistry.ModelRegistryModelNotActive.selector,
                id,
                ModelStatus.DISPUTED
            );
            Contributor[] memory set = _randomSet(seed);
            address steward = _models[id].steward;
            if (steward == address(0)) {
                _expectRevert(
                    address(registry),
                    0,
                    abi.encodeCall(IModelRegistry.assignPlaceholder, (id, _actor(seed >> 128), set)),
                    notActive,
                    "assignPlaceholder on a disputed placeholder"
                );
            } else {
                bytes memory data = abi.encodeCall(IModelRegistry.setContributors, (id, set));
                vm.prank(steward);
                _expectRevert(address(registry), 0, data, notActive, "setContributors on a disputed model");
            }
        } else if (kind == 3) {
            (bool found, uint256 disputeId) = _findDisputeWhere(seed, _isResolved);
            if (!found) return false;
            _expectRevert(
                address(registry),
                0,
                abi.encodeCall(IModelRegistry.resolveDispute, (disputeId, seed % 2 == 0, _actor(seed >> 8))),
                abi.encodeWithSelector(
                    IModelRegistry.ModelRegistryDisputeState.selector,
                    disputeId,
                    _disputes[disputeId].outcome
                ),
                "resolveDispute on a resolved dispute"
            );
        } else if (kind == 4) {
            (bool found, uint256 disputeId) = _findDisputeWhere(seed, _hasNoBondToWithdraw);
            if (!found) return false;
            IModelRegistry.DisputeOutcome outcome = _disputes[disputeId].outcome;
            _expectRevert(
                address(registry),
                0,
                abi.encodeCall(IModelRegistry.withdrawBond, (disputeId)),
                outcome == IModelRegistry.DisputeOutcome.PENDING
                    ? abi.encodeWithSelector(IModelRegistry.ModelRegistryDisputeState.selector, disputeId, outcome)
                    : abi.encodeWithSelector(IModelRegistry.ModelRegistryBondAlreadyWithdrawn.selector, disputeId),
                "withdrawBond of a pending dispute or a withdrawn bond"
            );
        } else if (kind == 5) {
            (bool found, bytes32 id) = _findModel(modelSeed, _isActive);
            if (!found) return false;
            uint256 bond = registry.disputeBond();
            uint256 sent = bond == 0 || seed % 2 == 0 ? bond + 1 : bond - 1;
            _raiseDisputeExpectingRevert(
                id,
                sent,
                seed,
                abi.encodeWithSelector(IModelRegistry.ModelRegistryWrongBond.selector, sent, bond),
                "raiseDispute with other than the bond"
            );
        } else {
            bytes32 id = keccak256("hf:stemma/never-registered");
            _raiseDisputeExpectingRevert(
                id,
                registry.disputeBond(),
                seed,
                abi.encodeWithSelector(IModelRegistry.ModelRegistryUnknownModel.selector, id),
                "raiseDispute on an unregistered model"
            );
        }
        return true;
    }

    /// @dev An actor sends `value` to dispute `id`, which must revert with `expected`.
    function _raiseDisputeExpectingRevert(
        bytes32 id,
        uint256 value,
        uint256 seed,
        bytes memory expected,
        string memory what
    ) private {
        address disputer = _actor(seed);
        bytes memory data = abi.encodeCall(IModelRegistry.raiseDispute, (id, keccak256(abi.encode(seed))));
        vm.deal(disputer, disputer.balance + value);
        vm.prank(disputer);
        _expectRevert(address(registry), value, data, expected, what);
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
        else if (action < 40) this.payAndSettle(a, b, c);
        else if (action < 48) this.propagate(a, b);
        else if (action < 53) this.propagateBatch(a);
        else if (action < 65) this.claim(a, b);
        else if (action < 70) this.setContributors(a, b);
        else if (action < 73) this.assignPlaceholder(a, b);
        else if (action < 78) this.raiseDispute(a, b);
        else if (action < 82) this.resolveDispute(a, b);
        else if (action < 84) this.withdrawBond(a);
        else if (action < 90) this.sweepContributor(a, b, c);
        else if (action < 93) this.moveOutOfDisputed(a, b, c);
        else if (action < 95) this.disputeMisuse(a, b);
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
        for (uint256 m = 0; m < _modelIds.length; ++m) total += _owedBy(_modelIds[m], token);
    }

    /// @dev What model `id` owes in `token` (its part of {owed}): its not-yet-pushed upstream, and per epoch the
    /// entries' final entitlements less what they claimed, or the kept amount if the epoch has no contributors.
    function _owedBy(bytes32 id, address token) private view returns (uint256 total) {
        IRevenueRouter.ModelBalance memory balance = router.modelBalance(id, token);
        uint256 pending = router.pendingUpstream(id, token);
        require(balance.upstream == balance.pushed + pending, "upstream != pushed + pending");
        require(balance.upstream + balance.kept == balance.received, "upstream + kept != received");
        total = pending;
        uint256 keptSum = 0;
        for (uint32 epoch = 0; epoch < _models[id].epochs; ++epoch) {
            uint256 kept = router.keptInEpoch(id, token, epoch);
            keptSum += kept;
            total += _owedInEpoch(id, token, epoch, kept);
        }
        require(keptSum == balance.kept, "kept per epoch does not add up to the model's kept");
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

    /**
     * @dev The models the router has `DISPUTED`. Reverts if the handler's pending disputes or the registry's active
     * ones say otherwise for any model: all three must agree on which models are disputed, and by which dispute.
     */
    function disputedModels() external view returns (bytes32[] memory ids) {
        ids = new bytes32[](_modelIds.length);
        uint256 count = 0;
        for (uint256 m = 0; m < _modelIds.length; ++m) {
            bytes32 id = _modelIds[m];
            uint256 disputeId = openDispute[id];
            bool disputed = _isDisputed(id);
            require(disputed == (disputeId != 0), "router's disputed models != models with a pending dispute");
            require(registry.activeDispute(id) == disputeId, "registry's active dispute != the pending one");
            if (disputed) ids[count++] = id;
        }
        assembly ("memory-safe") {
            mstore(ids, count)
        }
    }

    /// @dev What has left model `id` in `token` so far, by the router's views (see {Outflow}).
    function outflowOf(bytes32 id, address token) external view returns (uint256 pushed, uint256 claimedTotal) {
        Outflow memory outflow = _outflowOf(id, token);
        return (outflow.pushed, outflow.claimed);
    }

    /// @dev What had left model `id` in `token` when its latest dispute was raised.
    function frozenOutflow(bytes32 id, address token) external view returns (uint256 pushed, uint256 claimedTotal) {
        Outflow storage outflow = _frozenOutflows[id][token];
        return (outflow.pushed, outflow.claimed);
    }

    /**
     * @dev The bonds the registry still holds by its own records: the sum of the bonds of disputes whose bond was not
     * withdrawn. Reverts naming the first dispute whose record disagrees with the handler's (model, disputer, bond,
     * outcome, whether the bond was withdrawn).
     */
    function bondsUnwithdrawn() external view returns (uint256 total) {
        for (uint256 i = 0; i < _disputeIds.length; ++i) {
            uint256 disputeId = _disputeIds[i];
            IModelRegistry.Dispute memory record = registry.dispute(disputeId);
            DisputeGhost storage ghost = _disputes[disputeId];
            if (
                record.modelId != ghost.modelId ||
                record.disputer != ghost.disputer ||
                record.bond != ghost.bond ||
                record.outcome != ghost.outcome ||
                record.bondWithdrawn != ghost.bondWithdrawn
            ) revert(string.concat("registry's record of dispute ", vm.toString(disputeId), " != what happened"));
            if (!record.bondWithdrawn) total += record.bond;
        }
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

    function _outflowOf(bytes32 id, address token) private view returns (Outflow memory outflow) {
        outflow.pushed = router.modelBalance(id, token).pushed;
        for (uint32 epoch = 0; epoch < _models[id].epochs; ++epoch) {
            Contributor[] storage set = _sets[id][epoch];
            uint32 cumulative = 0;
            for (uint256 j = 0; j < set.length; ++j) {
                outflow.claimed += router.claimed(id, token, epoch, cumulative);
                cumulative += set[j].weightPpm;
            }
        }
    }

    /// @dev Some contributor entry of `id` with its proof, from a random epoch that has a set.
    function _entryOf(bytes32 id, uint256 seed) private view returns (bool, ContributorClaim memory entry) {
        uint32 epochs = _models[id].epochs;
        for (uint32 i = 0; i < epochs; ++i) {
            uint32 epoch = uint32(((seed % epochs) + i) % epochs);
            Contributor[] memory set = _sets[id][epoch];
            if (set.length != 0) return (true, ContributorTree.entry(id, epoch, set, (seed >> 64) % set.length));
        }
        return (false, entry);
    }

    /// @dev The first token from `seed` on in which `id` has upstream pending, or the seed's token if none.
    function _tokenWithPendingUpstream(bytes32 id, uint256 seed) private view returns (address) {
        for (uint256 t = 0; t < _tokens.length; ++t) {
            address token = _token((seed % _tokens.length) + t);
            if (router.pendingUpstream(id, token) != 0) return token;
        }
        return _token(seed);
    }

    /// @dev The first token from `seed` on in which `entry` has something claimable, or the seed's token if none.
    function _tokenWithClaimable(ContributorClaim memory entry, uint256 seed) private view returns (address) {
        for (uint256 t = 0; t < _tokens.length; ++t) {
            address token = _token((seed % _tokens.length) + t);
            if (router.claimable(token, entry) != 0) return token;
        }
        return _token(seed);
    }

    /// @dev A one-step batch propagating `id`, after a step of an active model when there is one.
    function _batchEndingWith(
        bytes32 id,
        address token,
        uint256 seed
    ) private view returns (IRevenueRouter.Propagation[] memory batch) {
        (bool found, bytes32 active) = _findModel(seed, _isActive);
        batch = new IRevenueRouter.Propagation[](found ? 2 : 1);
        if (found) batch[0] = IRevenueRouter.Propagation({modelId: active, token: token, parents: _parents[active]});
        batch[batch.length - 1] = IRevenueRouter.Propagation({modelId: id, token: token, parents: _parents[id]});
    }

    /// @dev Calls `target` with `data` and `value` wei: it must revert with exactly `expected` (selector and
    /// arguments), otherwise `what` is recorded as the failure.
    function _expectRevert(
        address target,
        uint256 value,
        bytes memory data,
        bytes memory expected,
        string memory what
    ) private {
        (bool success, bytes memory reason) = target.call{value: value}(data);
        if (success) _fail(string.concat(what, " did not revert"), "");
        else if (keccak256(reason) != keccak256(expected)) _fail(string.concat(what, ": unexpected revert"), reason);
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
            id = _modelIds[((seed % count) + i) % count];
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

    function _isDisputed(bytes32 id) private view returns (bool) {
        return router.flow(id).status == ModelStatus.DISPUTED;
    }

    function _isAssignable(bytes32 id) private view returns (bool) {
        return _isUnassignedPlaceholder(id) && _isActive(id);
    }

    function _isUnassignedPlaceholder(bytes32 id) private view returns (bool) {
        return _models[id].placeholder && _models[id].steward == address(0);
    }

    function _acceptsNewEpoch(bytes32 id) private view returns (bool) {
        return _models[id].steward != address(0) && _models[id].epochs < MAX_EPOCHS && _isActive(id);
    }

    /// @dev A dispute that is pending (`pending`) or resolved with its bond still held (`!pending`).
    function _findDispute(uint256 seed, bool pending) private view returns (bool, uint256) {
        uint256 count = _disputeIds.length;
        for (uint256 i = 0; i < count; ++i) {
            uint256 disputeId = _disputeIds[((seed % count) + i) % count];
            IModelRegistry.Dispute memory record = registry.dispute(disputeId);
            bool isPending = record.outcome == IModelRegistry.DisputeOutcome.PENDING;
            if (pending ? isPending : (!isPending && !record.bondWithdrawn)) return (true, disputeId);
        }
        return (false, 0);
    }

    /// @dev A raised dispute, from a random one on, that `accept`s (judged on the handler's records).
    function _findDisputeWhere(
        uint256 seed,
        function(uint256) view returns (bool) accept
    ) private view returns (bool, uint256) {
        uint256 count = _disputeIds.length;
        for (uint256 i = 0; i < count; ++i) {
            uint256 disputeId = _disputeIds[((seed % count) + i) % count];
            if (accept(disputeId)) return (true, disputeId);
        }
        return (false, 0);
    }

    function _isResolved(uint256 disputeId) private view returns (bool) {
        return _disputes[disputeId].outcome != IModelRegistry.DisputeOutcome.PENDING;
    }

    function _hasNoBondToWithdraw(uint256 disputeId) private view returns (bool) {
        DisputeGhost storage ghost = _disputes[disputeId];
        return ghost.outcome == IModelRegistry.DisputeOutcome.PENDING || ghost.bondWithdrawn;
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
