// SPDX-License-Identifier: MIT
// Stemma (test/sol/handlers/LedgerHandler.sol)
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
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
import {BlacklistToken} from "../../../contracts/mocks/BlacklistToken.sol";
import {HookToken} from "../../../contracts/mocks/HookToken.sol";
import {RejectingReceiver} from "../../../contracts/mocks/RejectingReceiver.sol";
import {TestToken} from "../../../contracts/mocks/TestToken.sol";
import {ContributorTree} from "../helpers/ContributorTree.sol";
import {Random} from "../helpers/Random.sol";
import {ReentrantHooks} from "../helpers/ReentrantHooks.sol";
import {vm} from "../helpers/Vm.sol";

/**
 * @dev Drives a router and registry through random sequences of everything that moves money or changes who is
 * owed it, and keeps the ghost records the ledger invariants need: every contributor set of every epoch (to build
 * proofs and sum entitlements), the parents of every model, and what went in and out per token.
 *
 * Disputes have ghosts of their own: every dispute raised (model, disputer, bond, outcome, whether its bond was paid
 * out) with the running totals of bonds posted, held and paid to each side, and, for each disputed model, what the
 * contested epoch (the one current when the dispute was raised) had paid out in every token ({contestedClaims}),
 * which must not change until it is resolved: a dispute holds only that epoch, while closed epochs stay claimable
 * and upstream keeps flowing to the parents.
 *
 * Identity: the handler tracks which models are provisional (registered while the provisional window is on,
 * placeholders until claimed or assigned) and signs attestations with the attesters' keys ({verify},
 * {claimModel}). Time moves with {warp}; the trust periods change with {setTrustPeriods}.
 *
 * Hostile mode ({useHostileTokens}): payments also use an ERC-777-style token whose hooks reenter the router and the
 * registry, a token that blacklists one actor, and one actor is a contract that refuses ETH; a rebasing token is
 * refused by the router's allowlist. Payouts to an account that cannot receive must revert and change nothing;
 * {claimTo} rescues them.
 *
 * Each action takes raw fuzz words and derives a valid call from them (an action with nothing to act on returns).
 * Calls the spec says must succeed are wrapped in try/catch: an unexpected revert, or an expected one that did not
 * happen, is recorded in {failure} (first one wins) for the invariants to report, instead of being swallowed by
 * the fuzzer as a plain revert.
 *
 * The handler holds the fee-manager, dispute-manager, placeholder-assigner and identity-manager roles and is the
 * treasury; {GUARDIAN} holds the guardian role.
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
    /// @dev Holds the registry's guardian role (granted by the test's setUp).
    address public constant GUARDIAN = address(0x6A4D);
    /// @dev The attesters' private keys (threshold 2; their addresses are appointed by the test's setUp).
    uint256 public constant ATTESTER_KEY_A = 0xA77E57A;
    uint256 public constant ATTESTER_KEY_B = 0xA77E57B;

    struct ModelGhost {
        address steward;
        bool placeholder;
        /// @dev Registered while the provisional window was on (or a placeholder), not yet verified, claimed,
        /// assigned, reassigned, revoked or past its window: nothing may leave it.
        bool provisional;
        /// @dev How many epochs the model has had; the current one is `epochs - 1`.
        uint32 epochs;
        /// @dev The beneficiary's first epoch once revoked.
        uint32 revokedEpoch;
    }

    /// @dev A dispute as the handler raised it, and what became of its bond.
    struct DisputeGhost {
        bytes32 modelId;
        address disputer;
        uint256 bond;
        IModelRegistry.DisputeOutcome outcome;
        bool bondWithdrawn;
    }

    /// @dev The tokens and the actor of hostile mode.
    struct Hostile {
        HookToken hookToken;
        BlacklistToken blacklistToken;
        /// @dev A token the router must refuse (a rebasing one, outside the allowlist).
        address refusedToken;
        /// @dev An actor that refuses ETH.
        address rejecting;
        ReentrantHooks hooks;
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
    /// @dev A disputed model's contested epoch, and what its entries had claimed in each token when the dispute was
    /// raised.
    mapping(bytes32 id => uint32) private _contestedEpoch;
    mapping(bytes32 id => mapping(address token => uint256)) private _frozenClaims;
    Hostile private _hostile;

    /// @dev What the hook was armed with: a new set ({_hookSet}) for `modelId` (a steward's epoch, which must
    /// succeed) or a reentrant router call on it (which must revert).
    struct HookArmed {
        bytes32 modelId;
        bool expectSuccess;
    }

    HookArmed private _hookArmed;
    Contributor[] private _hookSet;

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
    /// @dev How many token hooks reentered as planned: epochs started by a steward, router calls refused (coverage).
    uint256 public hookEpochs;
    uint256 public hookReentriesRefused;

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

    /**
     * @dev Hostile mode, set up once by the test (the router's allowlist must already refuse `refusedToken`): the
     * last actor becomes `rejecting`, the one before it is blacklisted by `blacklistToken`, and the handler (the
     * payer) and every actor register `hooks` with `hookToken`, which the handler arms before some payments and
     * claims.
     */
    function useHostileTokens(Hostile calldata hostile) external {
        _hostile = hostile;
        _actors[ACTOR_COUNT - 1] = hostile.rejecting;
        hostile.blacklistToken.setBlacklisted(_actors[ACTOR_COUNT - 2], true);
        hostile.hookToken.setHooks(hostile.hooks);
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            vm.prank(_actors[i]);
            hostile.hookToken.setHooks(hostile.hooks);
        }
    }

    // ---------------------------------------------------------------- registration

    /**
     * @dev Registers a placeholder by vote (1 in 5; the handler holds the role, an actor without it is refused), a
     * model with a new placeholder parent in the same transaction (1 in 5), or a model over random existing, not
     * revoked parents, with a random upstream share and a random contributor set (accounts may repeat). While the
     * provisional window is on, the model is provisional.
     */
    function register(uint256 seed) external {
        uint256 index = _modelIds.length;
        if (index >= MAX_MODELS) return;
        string memory key = string.concat("hf:stemma/model-", vm.toString(index));
        if (seed % 5 == 0) {
            _registerPlaceholder(key, seed);
            return;
        }
        IModelRegistry.Registration memory registration = _randomRegistration(seed, key, _modelIds.length);
        bool withPlaceholder = seed % 5 == 1 && index + 1 < MAX_MODELS && registration.parents.length < MAX_PARENTS;
        string[] memory placeholderKeys = new string[](withPlaceholder ? 1 : 0);
        if (withPlaceholder) {
            placeholderKeys[0] = string.concat("hf:stemma/model-", vm.toString(index), "-parent");
            _addParent(registration, keccak256(bytes(placeholderKeys[0])), seed);
        }
        bool provisional = registry.trustPeriods().provisional != 0;
        try registry.registerWithPlaceholders(registration, placeholderKeys) returns (bytes32 id) {
            if (withPlaceholder) _recordPlaceholder(keccak256(bytes(placeholderKeys[0])));
            _modelIds.push(id);
            _models[id] = ModelGhost({
                steward: registration.steward,
                placeholder: false,
                provisional: provisional,
                epochs: 1,
                revokedEpoch: 0
            });
            for (uint256 i = 0; i < registration.parents.length; ++i) _parents[id].push(registration.parents[i]);
            _recordSet(id, 0, registration.contributors);
            _count(this.register.selector);
        } catch (bytes memory reason) {
            _fail("register reverted", reason);
        }
    }

    /// @dev Only the placeholder-assigner role creates a bare placeholder: an actor is refused, the handler is not.
    function _registerPlaceholder(string memory key, uint256 seed) private {
        address actor = _actor(seed >> 8);
        vm.prank(actor);
        _expectRevert(
            address(registry),
            0,
            abi.encodeCall(IModelRegistry.registerPlaceholder, (key)),
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                actor,
                keccak256("PLACEHOLDER_ASSIGNER_ROLE")
            ),
            "registerPlaceholder by an actor without the role"
        );
        try registry.registerPlaceholder(key) returns (bytes32 id) {
            _recordPlaceholder(id);
            _count(this.register.selector);
        } catch (bytes memory reason) {
            _fail("registerPlaceholder reverted", reason);
        }
    }

    function _recordPlaceholder(bytes32 id) private {
        _modelIds.push(id);
        _models[id] = ModelGhost({
            steward: address(0),
            placeholder: true,
            provisional: true,
            epochs: 1,
            revokedEpoch: 0
        });
    }

    /// @dev Adds an edge to `parentId` (a placeholder about to be created, whose terms are open) taking a random part
    /// of the last edge's weight, or all of it; a registration without parents gets an upstream share.
    function _addParent(IModelRegistry.Registration memory registration, bytes32 parentId, uint256 seed) private pure {
        uint256 count = registration.parents.length;
        ParentEdge[] memory parents = new ParentEdge[](count + 1);
        Terms[] memory expected = new Terms[](count + 1);
        uint32 weight = PPM;
        for (uint256 i = 0; i < count; ++i) {
            parents[i] = registration.parents[i];
            expected[i] = registration.expectedParentTerms[i];
        }
        if (count != 0) {
            uint32 last = parents[count - 1].weightPpm;
            if (last > 1) {
                weight = uint32((seed >> 16).bound(1, last - 1));
                parents[count - 1].weightPpm = last - weight;
            }
        }
        if (count == 0 || weight == PPM) {
            // No edge to take from (or one of weight 1): the placeholder is the only parent.
            parents = new ParentEdge[](1);
            expected = new Terms[](1);
            weight = PPM;
            registration.upstreamPpm = Random.share(seed >> 40);
        }
        parents[parents.length - 1] = ParentEdge({parentId: parentId, relation: Relation.OTHER, weightPpm: weight});
        expected[parents.length - 1] = Terms({derivativesAllowed: true, minDerivativePpm: 0});
        registration.parents = parents;
        registration.expectedParentTerms = expected;
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
            _models[id].provisional = false;
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

    /// @dev Pays `amount` of `token` to model `id`: must succeed, crediting the fee and the net amount exactly. With
    /// the hook token, the payer's hook first reenters (see {_armPayHook}).
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
        bool hooked = token == address(_hostile.hookToken);
        if (hooked) _armPayHook(id, token, amount);
        try router.pay{value: value}(id, token, amount) {
            paidIn[token] += amount;
            if (router.fees(token) != feesBefore + fee) _fail("pay: fee not credited to the treasury", "");
            if (router.modelBalance(id, token).received != receivedBefore + net) _fail("pay: net not received", "");
            paid = true;
        } catch (bytes memory reason) {
            _fail("pay reverted", reason);
        }
        if (hooked) _checkHook();
    }

    /**
     * @dev Arms the payer's hook, which runs while the router pulls the tokens: it reenters {IRevenueRouter-pay},
     * {IRevenueRouter-propagate} or {IRevenueRouter-claim} (each must revert: the router is locked), or, as the
     * steward of the model being paid, starts a new contributor epoch (must succeed, and the payment must count in
     * the new epoch: the router reads the flow after pulling).
     */
    function _armPayHook(bytes32 id, address token, uint256 seed) private {
        uint256 kind = uint256(keccak256(abi.encode(seed, id))) % 4;
        bytes memory data;
        if (kind == 3 && _acceptsNewEpoch(id)) {
            _armSetContributors(id, seed);
            return;
        }
        if (kind == 0) {
            data = abi.encodeCall(IRevenueRouter.pay, (id, token, 1));
        } else if (kind == 1) {
            data = abi.encodeCall(IRevenueRouter.propagate, (id, token, _parents[id]));
        } else {
            (bool hasEntry, ContributorClaim memory entry) = _entryOf(id, seed);
            if (!hasEntry) return;
            ContributorClaim[] memory entries = new ContributorClaim[](1);
            entries[0] = entry;
            data = abi.encodeCall(IRevenueRouter.claim, (token, entries));
        }
        _hookArmed = HookArmed({modelId: id, expectSuccess: false});
        _hostile.hooks.arm(address(router), data, address(0));
    }

    /// @dev Arms the hook to start a new epoch of `id` as its steward, with a random set.
    function _armSetContributors(bytes32 id, uint256 seed) private {
        Contributor[] memory set = _randomSet(seed.next(77));
        _hookArmed = HookArmed({modelId: id, expectSuccess: true});
        delete _hookSet;
        for (uint256 i = 0; i < set.length; ++i) _hookSet.push(set[i]);
        _hostile.hooks.arm(
            address(registry),
            abi.encodeCall(IModelRegistry.setContributors, (id, set)),
            _models[id].steward
        );
    }

    /// @dev After a call that fired an armed hook: a reentrant router call must have reverted with the router's
    /// reentrancy error; a steward's new epoch must have started (and is recorded).
    function _checkHook() private {
        ReentrantHooks hooks = _hostile.hooks;
        HookArmed memory armed = _hookArmed;
        delete _hookArmed;
        if (armed.modelId == bytes32(0)) return;
        if (!hooks.fired()) return _fail("an armed token hook did not fire", "");
        if (armed.expectSuccess) {
            if (!hooks.succeeded()) return _fail("setContributors from a token hook reverted", hooks.result());
            uint32 epoch = abi.decode(hooks.result(), (uint32));
            if (epoch != _models[armed.modelId].epochs) _fail("setContributors from a hook: unexpected epoch", "");
            _models[armed.modelId].epochs = epoch + 1;
            _recordSet(armed.modelId, epoch, _hookSet);
            ++hookEpochs;
        } else {
            bytes memory locked = abi.encodeWithSelector(
                ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
            );
            if (hooks.succeeded()) _fail("a call reentering the router from a token hook succeeded", "");
            else if (keccak256(hooks.result()) != keccak256(locked)) {
                _fail("a call reentering the router from a token hook: unexpected revert", hooks.result());
            } else ++hookReentriesRefused;
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
            if (router.flow(id).status != ModelStatus.ACTIVE || _models[id].provisional) return;
            this.propagate(modelSeed, tokenSeed);
            uint32 epoch = _models[id].epochs - 1;
            Contributor[] memory set = _sets[id][epoch];
            ContributorClaim[] memory entries = new ContributorClaim[](1);
            for (uint256 j = 0; j < set.length; ++j) {
                entries[0] = ContributorTree.entry(id, epoch, set, j);
                _claimExpectingSuccess(token, entries, amountSeed.next(j));
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
            _claimExpectingSuccess(token, entries, j);
            uint256 claimedNow = router.claimed(id, token, epoch, entries[0].cumulativeBefore);
            if (claimedNow != SplitMath.slice(kept, entries[0].cumulativeBefore, entries[0].weightPpm)) {
                _fail("a settled entry of a closed epoch did not claim exactly its slice", "");
            }
            claimedTotal += claimedNow;
        }
        if (claimedTotal != kept) _fail("a settled closed epoch did not pay out exactly what it kept", "");
    }

    /// @dev Pushes one model's pending upstream one hop. Must succeed unless the model is provisional (disputed and
    /// revoked models keep paying their parents) and move exactly what {IRevenueRouter-pendingUpstream} reported;
    /// must revert with {RevenueRouterModelProvisional} on a provisional one.
    function propagate(uint256 modelSeed, uint256 tokenSeed) external {
        if (_modelIds.length == 0) return;
        if (_propagateChecked(_modelIds[modelSeed % _modelIds.length], _token(tokenSeed))) {
            _count(this.propagate.selector);
        }
    }

    /// @dev {propagate} of model `id` in `token`; returns whether it ran as specified.
    function _propagateChecked(bytes32 id, address token) private returns (bool) {
        if (_models[id].provisional) {
            _expectRevert(
                address(router),
                0,
                abi.encodeCall(IRevenueRouter.propagate, (id, token, _parents[id])),
                abi.encodeWithSelector(IRevenueRouter.RevenueRouterModelProvisional.selector, id),
                "propagate from a provisional model"
            );
            return true;
        }
        uint256 pending = router.pendingUpstream(id, token);
        (uint256[] memory expected, uint256[] memory receivedBefore) = _expectedParentShares(id, token);
        try router.propagate(id, token, _parents[id]) returns (uint256 moved) {
            if (moved != pending) _fail("propagate moved other than pendingUpstream", "");
            if (router.pendingUpstream(id, token) != 0) _fail("propagate left upstream pending", "");
            ParentEdge[] storage parents = _parents[id];
            for (uint256 i = 0; i < parents.length; ++i) {
                if (router.modelBalance(parents[i].parentId, token).received != receivedBefore[i] + expected[i]) {
                    _fail("propagate: a parent received other than its splitTree part of the new upstream", "");
                }
            }
            return true;
        } catch (bytes memory reason) {
            _fail("propagate reverted", reason);
            return false;
        }
    }

    /// @dev Propagates 1..5 random steps over models that are not provisional in one call, in random order or
    /// children first.
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
            if (_models[id].provisional) continue;
            batch[used++] = IRevenueRouter.Propagation({modelId: id, token: _token(r >> 8), parents: _parents[id]});
        }
        if (used == 0) return;
        assembly ("memory-safe") {
            mstore(batch, used)
        }
        try router.propagateBatch(batch) {
            _count(this.propagateBatch.selector);
        } catch (bytes memory reason) {
            _fail("propagateBatch reverted", reason);
        }
    }

    // ---------------------------------------------------------------- money out

    /**
     * @dev One account claims a random subset of its entries, across models and epochs, in one token. Must pay
     * exactly the sum of the entries' {IRevenueRouter-claimable}, unless a claim of an entry is refused (its model
     * is provisional, the entry is of a disputed model's contested epoch, or of a revoked model's epoch that goes to
     * its beneficiary by sweep), in which case the whole claim must revert.
     */
    function claim(uint256 seed, uint256 tokenSeed) external {
        address account = _actor(seed);
        address token = _token(tokenSeed);
        // Mostly claims that can succeed; one in eight may include refused entries, and must then revert whole.
        (ContributorClaim[] memory entries, bool refused) = _entriesOf(account, seed >> 16, (seed >> 8) % 8 == 0);
        if (entries.length == 0) return;
        if (!refused) {
            _claimExpectingSuccess(token, entries, seed);
            _count(this.claim.selector);
            return;
        }
        try router.claim(token, entries) {
            _fail("claim paid out of a refused entry", "");
        } catch {
            _count(this.claim.selector);
        }
    }

    /**
     * @dev Claims entries none of which is refused: must pay their account exactly the sum of their claimable. An
     * account that cannot receive the token (refuses ETH, is blacklisted) makes the claim revert with the token's
     * error, changing nothing, and then rescues it with {IRevenueRouter-claimTo}. With the hook token, the account's
     * hook reenters on receipt (see {_armClaimHook}).
     */
    function _claimExpectingSuccess(address token, ContributorClaim[] memory entries, uint256 seed) private {
        address account = entries[0].account;
        uint256 expected = 0;
        for (uint256 i = 0; i < entries.length; ++i) expected += _checkedClaimable(token, entries[i]);
        if (expected != 0 && !_canReceive(token, account)) {
            _expectRevert(
                address(router),
                0,
                abi.encodeCall(IRevenueRouter.claim, (token, entries)),
                _refusal(token, account),
                "claim to an account that cannot receive"
            );
            uint256 still = 0;
            for (uint256 i = 0; i < entries.length; ++i) still += _checkedClaimable(token, entries[i]);
            if (still != expected) _fail("a claim that reverted changed what is claimable", "");
            _claimToExpectingSuccess(token, entries, _receivingActor(token, seed), expected);
            return;
        }
        uint256 balanceBefore = _balanceOf(token, account);
        bool hooked = token == address(_hostile.hookToken) && expected != 0;
        if (hooked) _armClaimHook(token, entries, seed);
        try router.claim(token, entries) returns (uint256 total) {
            if (total != expected) _fail("claim paid other than the entries' claimable", "");
            if (_balanceOf(token, account) != balanceBefore + total) _fail("claim: account not paid the total", "");
            paidOut[token] += total;
        } catch (bytes memory reason) {
            _fail("claim reverted", reason);
        }
        if (hooked) _checkHook();
    }

    /// @dev Arms the claiming account's hook, which runs when the tokens arrive: it claims the same entries again or
    /// propagates (both must revert: the router is locked), or, as the steward of the first entry's model, starts a
    /// new epoch (harmless: the claim was settled before the transfer).
    function _armClaimHook(address token, ContributorClaim[] memory entries, uint256 seed) private {
        bytes32 id = entries[0].modelId;
        uint256 kind = seed.next(55) % 3;
        if (kind == 2 && _acceptsNewEpoch(id)) return _armSetContributors(id, seed);
        bytes memory data =
            kind == 0
                ? abi.encodeCall(IRevenueRouter.claim, (token, entries))
                : abi.encodeCall(IRevenueRouter.propagate, (id, token, _parents[id]));
        _hookArmed = HookArmed({modelId: id, expectSuccess: false});
        _hostile.hooks.arm(address(router), data, address(0));
    }

    /// @dev The account of `entries` has what they are owed (`expected`) paid to `recipient`.
    function _claimToExpectingSuccess(
        address token,
        ContributorClaim[] memory entries,
        address recipient,
        uint256 expected
    ) private {
        address account = entries[0].account;
        uint256 accountBefore = _balanceOf(token, account);
        uint256 recipientBefore = _balanceOf(token, recipient);
        vm.prank(account);
        try router.claimTo(token, entries, recipient) returns (uint256 total) {
            if (total != expected) _fail("claimTo paid other than the entries' claimable", "");
            if (_balanceOf(token, recipient) != recipientBefore + total) _fail("claimTo: recipient not paid", "");
            if (recipient != account && _balanceOf(token, account) != accountBefore) {
                _fail("claimTo paid the account", "");
            }
            paidOut[token] += total;
        } catch (bytes memory reason) {
            _fail("claimTo reverted", reason);
        }
    }

    /**
     * @dev An account has its claimable entries paid to another actor or a fresh address ({IRevenueRouter-claimTo});
     * anyone else calling it for the account is refused ({RevenueRouterNotAccount}).
     */
    function claimTo(uint256 seed, uint256 tokenSeed, uint256 recipientSeed) external {
        address account = _actor(seed);
        address token = _token(tokenSeed);
        (ContributorClaim[] memory entries, ) = _entriesOf(account, seed >> 16, false);
        if (entries.length == 0) return;
        address recipient =
            recipientSeed % 3 == 0
                ? address(uint160(uint256(keccak256(abi.encode("stemma.recipient", recipientSeed)))))
                : _receivingActor(token, recipientSeed >> 8);
        if (recipientSeed % 5 == 0) {
            address other = _actor((seed % ACTOR_COUNT) + 1);
            vm.prank(other);
            _expectRevert(
                address(router),
                0,
                abi.encodeCall(IRevenueRouter.claimTo, (token, entries, other)),
                abi.encodeWithSelector(IRevenueRouter.RevenueRouterNotAccount.selector, account, other),
                "claimTo by someone other than the account"
            );
        }
        uint256 expected = 0;
        for (uint256 i = 0; i < entries.length; ++i) expected += _checkedClaimable(token, entries[i]);
        _claimToExpectingSuccess(token, entries, recipient, expected);
        _count(this.claimTo.selector);
    }

    /// @dev Pays the fee balance, or part of it, to an actor (the handler is the treasury).
    function withdrawFees(uint256 tokenSeed, uint256 amountSeed, uint256 toSeed) external {
        address token = _token(tokenSeed);
        uint256 available = router.fees(token);
        if (available == 0) return;
        uint256 amount = amountSeed % 2 == 0 ? available : (amountSeed >> 1).bound(0, available);
        address to = _actor(toSeed);
        // Even a withdrawal of 0 calls the recipient, and reverts if it refuses.
        if (!_canReceive(token, to)) {
            _expectRevert(
                address(router),
                0,
                abi.encodeCall(IRevenueRouter.withdrawFees, (token, to, amount)),
                _refusal(token, to),
                "withdrawFees to an account that cannot receive"
            );
            return;
        }
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
     * @dev An actor disputes an active model with the bond for it (the base bond, which the administrators first
     * change one time in four, doubled per dismissed dispute of the model); during a cool-down after a dismissal the
     * registry refuses ({ModelRegistryDisputeCooldown}). Placeholders can be disputed like any active model, and one
     * time in two an unassigned one is chosen when there is one, so that escrow gets held and released too. The
     * dispute holds only the contested (current) epoch: what its entries claimed in every token is recorded now
     * ({contestedClaims}).
     */
    function raiseDispute(uint256 modelSeed, uint256 seed) external {
        // Disputes are rare: one call in three raises one, so that sequences are not all disputed models.
        if (seed % 3 != 0) return;
        bool found = false;
        bytes32 id;
        if ((seed >> 16) % 2 == 0) (found, id) = _findModel(modelSeed, _isAssignable);
        if (!found) (found, id) = _findModel(modelSeed, _isActive);
        if (!found) return;
        if ((seed >> 24) % 4 == 0) _setDisputeBond(seed >> 32);
        IModelRegistry.Identity memory identity_ = registry.identity(id);
        uint256 bond = registry.disputeBondFor(id);
        if (bond != registry.disputeBond() << identity_.dismissedDisputes) {
            _fail("disputeBondFor is not the base bond doubled per dismissed dispute", "");
        }
        if (block.timestamp < identity_.disputeCooldownUntil) {
            _raiseDisputeExpectingRevert(
                id,
                bond,
                seed >> 8,
                abi.encodeWithSelector(
                    IModelRegistry.ModelRegistryDisputeCooldown.selector,
                    id,
                    identity_.disputeCooldownUntil
                ),
                "raiseDispute during the cool-down"
            );
            _count(this.raiseDispute.selector);
            return;
        }
        address disputer = _receivingActor(NATIVE_TOKEN, seed >> 8);
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
            uint32 contested = _models[id].epochs - 1;
            _contestedEpoch[id] = contested;
            for (uint256 t = 0; t < _tokens.length; ++t) {
                _frozenClaims[id][_tokens[t]] = _claimedInEpoch(id, _tokens[t], contested);
            }
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

    /// @dev What a resolution must leave as it was: the model's epoch, its count of dismissed disputes, and what it
    /// owes in every token.
    struct BeforeResolution {
        uint32 epoch;
        uint8 dismissed;
        uint40 provisionalUntil;
        uint256[] held;
    }

    function _beforeResolution(bytes32 id) private view returns (BeforeResolution memory before) {
        before.epoch = _models[id].epochs - 1;
        IModelRegistry.Identity memory identity_ = registry.identity(id);
        before.dismissed = identity_.dismissedDisputes;
        before.provisionalUntil = identity_.provisionalUntil;
        before.held = new uint256[](_tokens.length);
        for (uint256 t = 0; t < _tokens.length; ++t) before.held[t] = _owedBy(id, _tokens[t]);
    }

    /**
     * @dev Governance resolves a pending dispute: dismissed or upheld (1 in 2; the guardian dismisses too),
     * naming an actor as beneficiary, who then owns a new one-entry epoch (on an unassigned placeholder, the escrow
     * epoch). A resolution moves no funds (see {_checkRelease}).
     */
    function resolveDispute(uint256 disputeSeed, uint256 seed) external {
        (bool found, uint256 disputeId) = _findDispute(disputeSeed, true);
        if (!found) return;
        bytes32 id = registry.dispute(disputeId).modelId;
        bool upheld = seed % 2 == 0;
        address beneficiary = _actor(seed >> 8);
        BeforeResolution memory before = _beforeResolution(id);
        try registry.resolveDispute(disputeId, upheld, beneficiary) {
            _recordResolution(disputeId, id, upheld);
            if (upheld) _recordRevocation(id, beneficiary);
            _checkRelease(id, upheld, beneficiary, before);
            _count(this.resolveDispute.selector);
        } catch (bytes memory reason) {
            _fail("resolveDispute reverted", reason);
        }
    }

    /// @dev The guardian dismisses a pending dispute at once (an actor without the role is refused first, one time in
    /// four): the model is active again, with a cool-down and one more dismissal on its record.
    function dismissDispute(uint256 disputeSeed, uint256 seed) external {
        (bool found, uint256 disputeId) = _findDispute(disputeSeed, true);
        if (!found) return;
        bytes32 id = registry.dispute(disputeId).modelId;
        if (seed % 4 == 0) {
            address actor = _actor(seed >> 8);
            vm.prank(actor);
            _expectRevert(
                address(registry),
                0,
                abi.encodeCall(IModelRegistry.dismissDispute, (disputeId)),
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    actor,
                    keccak256("GUARDIAN_ROLE")
                ),
                "dismissDispute by an actor without the guardian role"
            );
        }
        BeforeResolution memory before = _beforeResolution(id);
        vm.prank(GUARDIAN);
        try registry.dismissDispute(disputeId) {
            _recordResolution(disputeId, id, false);
            _checkRelease(id, false, address(0), before);
            _count(this.dismissDispute.selector);
        } catch (bytes memory reason) {
            _fail("dismissDispute reverted", reason);
        }
    }

    function _recordResolution(uint256 disputeId, bytes32 id, bool upheld) private {
        delete openDispute[id];
        _disputes[disputeId].outcome =
            upheld ? IModelRegistry.DisputeOutcome.UPHELD : IModelRegistry.DisputeOutcome.DISMISSED;
    }

    /**
     * @dev A resolution moves nothing: in each token, the model owes to the wei what it owed right before (pending
     * upstream, unclaimed entitlements and escrow). Dismissed: the model is active again in the same epoch with the
     * same root, with a cool-down of the current period, a provisional window extended through it, and one more
     * dismissal counted (up to 8). Upheld: the
     * router names the beneficiary, from the epoch the handler expects; who may take each epoch is then checked by
     * every claim and sweep ({_claimOpen}, {_isSweepable}).
     */
    function _checkRelease(bytes32 id, bool upheld, address beneficiary, BeforeResolution memory before) private {
        IRevenueRouter.Flow memory modelFlow = router.flow(id);
        if (upheld) {
            if (
                modelFlow.status != ModelStatus.REVOKED ||
                router.beneficiary(id) != beneficiary ||
                modelFlow.revokedEpoch != _models[id].revokedEpoch ||
                modelFlow.provisional
            ) _fail("upheld dispute: model not revoked to the beneficiary named", "");
        } else {
            Contributor[] memory set = _sets[id][before.epoch];
            bytes32 root = set.length == 0 ? bytes32(0) : ContributorTree.root(set);
            if (
                modelFlow.status != ModelStatus.ACTIVE ||
                modelFlow.epoch != before.epoch ||
                router.epochRoot(id, before.epoch) != root
            ) _fail("dismissed dispute: model not active again in the same epoch, with the same set", "");
            IModelRegistry.Identity memory identity_ = registry.identity(id);
            uint256 cooldownEnd = block.timestamp + registry.trustPeriods().disputeCooldown;
            if (identity_.disputeCooldownUntil != cooldownEnd) {
                _fail("dismissed dispute: cool-down not the current period from now", "");
            }
            // A squatter's provisional window lasts at least through the cool-down (a placeholder's never ends).
            uint256 until = before.provisionalUntil;
            if (until != 0 && until != type(uint40).max && until < cooldownEnd) until = cooldownEnd;
            if (identity_.provisionalUntil != until) _fail("dismissed dispute: provisional window not extended", "");
            if (identity_.dismissedDisputes != (before.dismissed < 8 ? before.dismissed + 1 : 8)) {
                _fail("dismissed dispute: not counted", "");
            }
        }
        // Through an external call: a view that reverts now must be recorded, not revert the resolution away.
        try this.owedByModel(id) returns (uint256[] memory owedNow) {
            for (uint256 t = 0; t < _tokens.length; ++t) {
                if (owedNow[t] != before.held[t]) _fail("a resolution changed what the model owes", "");
            }
        } catch (bytes memory reason) {
            _fail("the router's views of a resolved model revert", reason);
        }
    }

    /// @dev Per token, what model `id` owes ({_owedBy}).
    function owedByModel(bytes32 id) external view returns (uint256[] memory owedNow) {
        owedNow = new uint256[](_tokens.length);
        for (uint256 t = 0; t < _tokens.length; ++t) owedNow[t] = _owedBy(id, _tokens[t]);
    }

    /// @dev The beneficiary's one-entry set starts a new epoch, or, on an unassigned placeholder, takes over the
    /// escrow epoch (so that the escrow is owed to it rather than stranded).
    function _recordRevocation(bytes32 id, address beneficiary) private {
        ModelGhost storage ghost = _models[id];
        uint32 epoch = ghost.epochs - 1;
        if (_sets[id][epoch].length != 0) {
            epoch += 1;
            ghost.epochs = epoch + 1;
        }
        ghost.revokedEpoch = epoch;
        ghost.provisional = false;
        Contributor[] memory set = new Contributor[](1);
        set[0] = Contributor({account: beneficiary, role: Role.OTHER, weightPpm: PPM});
        _recordSet(id, epoch, set);
    }

    /**
     * @dev Governance replaces a revoked model's beneficiary (one that cannot receive, say): a new one-entry epoch,
     * the contested epoch unchanged, nothing owed changed; the earlier beneficiary's epochs go to the new one by
     * sweep.
     */
    function replaceBeneficiary(uint256 modelSeed, uint256 seed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isRevoked);
        if (!found || _models[id].epochs > MAX_EPOCHS + 1) return;
        address beneficiary = _actor(seed);
        BeforeResolution memory before = _beforeResolution(id);
        try registry.replaceBeneficiary(id, beneficiary) {
            uint32 epoch = _models[id].epochs;
            _models[id].epochs = epoch + 1;
            Contributor[] memory set = new Contributor[](1);
            set[0] = Contributor({account: beneficiary, role: Role.OTHER, weightPpm: PPM});
            _recordSet(id, epoch, set);
            IRevenueRouter.Flow memory modelFlow = router.flow(id);
            if (
                modelFlow.epoch != epoch ||
                modelFlow.revokedEpoch != _models[id].revokedEpoch ||
                router.beneficiary(id) != beneficiary
            ) _fail("replaceBeneficiary: not a new epoch of the new beneficiary", "");
            for (uint256 t = 0; t < _tokens.length; ++t) {
                if (_owedBy(id, _tokens[t]) != before.held[t]) _fail("replaceBeneficiary changed what is owed", "");
            }
            _count(this.replaceBeneficiary.selector);
        } catch (bytes memory reason) {
            _fail("replaceBeneficiary reverted", reason);
        }
    }

    /**
     * @dev Governance reassigns a model that is not revoked (a pending dispute on it is upheld by that): new steward
     * and set, replacing a provisional model's current set (nothing has moved), or starting a new epoch otherwise.
     * Nothing owed changes.
     */
    function reassign(uint256 modelSeed, uint256 seed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isReassignable);
        if (!found) return;
        address steward = _actor(seed);
        Contributor[] memory set = _randomSet(seed.next(3));
        uint256 disputeId = openDispute[id];
        BeforeResolution memory before = _beforeResolution(id);
        try registry.reassign(id, steward, set) {
            if (disputeId != 0) _recordResolution(disputeId, id, true);
            _installSetGhost(id, steward, set);
            if (router.flow(id).status != ModelStatus.ACTIVE) _fail("reassign: model not active", "");
            for (uint256 t = 0; t < _tokens.length; ++t) {
                if (_owedBy(id, _tokens[t]) != before.held[t]) _fail("reassign changed what is owed", "");
            }
            _count(this.reassign.selector);
        } catch (bytes memory reason) {
            _fail("reassign reverted", reason);
        }
    }

    /// @dev A new steward's set put in force: a provisional model's current set is replaced (and it is provisional
    /// no more), any other's is followed by a new epoch. Checks the router's epoch and the registry's steward.
    function _installSetGhost(bytes32 id, address steward, Contributor[] memory set) private {
        ModelGhost storage ghost = _models[id];
        ghost.steward = steward;
        uint32 epoch = ghost.epochs - 1;
        if (ghost.provisional) {
            delete _sets[id][epoch];
            ghost.provisional = false;
        } else {
            epoch += 1;
            ghost.epochs = epoch + 1;
        }
        _recordSet(id, epoch, set);
        if (router.flow(id).epoch != epoch || registry.model(id).steward != steward) {
            _fail("a new steward's set: unexpected epoch or steward", "");
        }
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

    /**
     * @dev Sweeps an entry of a random epoch of a revoked model to its beneficiary. The contested epoch (the one
     * before the first beneficiary's) and earlier beneficiaries' epochs must pay exactly the entry's due to the
     * beneficiary (or revert with the token's error, changing nothing, if the beneficiary cannot receive it); the
     * innocent epochs before the contested one, and the current beneficiary's, must be refused
     * ({RevenueRouterNotSweepable}).
     */
    function sweepContributor(uint256 modelSeed, uint256 seed, uint256 tokenSeed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isRevoked);
        if (!found) return;
        (bool hasEntry, ContributorClaim memory entry) = _entryOf(id, seed);
        if (!hasEntry) return;
        address token = _token(tokenSeed);
        bytes memory sweep = abi.encodeCall(IRevenueRouter.sweepContributor, (token, entry));
        uint256 expected = _checkedClaimable(token, entry);
        address beneficiary = router.beneficiary(id);
        if (!_isSweepable(id, entry.epoch)) {
            _expectRevert(
                address(router),
                0,
                sweep,
                abi.encodeWithSelector(IRevenueRouter.RevenueRouterNotSweepable.selector, id, entry.epoch),
                "sweepContributor of an epoch that is not sweepable"
            );
        } else if (expected != 0 && !_canReceive(token, beneficiary)) {
            _expectRevert(address(router), 0, sweep, _refusal(token, beneficiary), "sweep to a refusing beneficiary");
            if (_checkedClaimable(token, entry) != expected) _fail("a sweep that reverted changed the due", "");
        } else if (!_sweepExpecting(id, token, sweep, expected, "sweepContributor", "the entry's due")) {
            return;
        }
        _count(this.sweepContributor.selector);
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
     * @dev Pays a disputed model one time in two (it must accept payments), then tries each way money can move: its
     * upstream must keep flowing to the parents (alone, and in a batch after another model's step; refused only
     * while provisional); a closed epoch's entry must be claimable; an entry of the contested epoch must be refused
     * ({RevenueRouterModelFrozen}, or {RevenueRouterModelProvisional} first), and sweeping it too
     * ({RevenueRouterNotSweepable}: a disputed model has no beneficiary).
     */
    function moveOutOfDisputed(uint256 modelSeed, uint256 seed, uint256 tokenSeed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isDisputed);
        if (!found) return;
        if (seed % 2 == 0) _pay(id, _token(tokenSeed), Random.amount(seed >> 128));
        address token = _tokenWithPendingUpstream(id, tokenSeed);
        _propagateChecked(id, token);
        _propagateBatchThrough(id, token, seed);
        _claimContestedEpoch(id, seed, tokenSeed);
        _claimClosedEpoch(id, seed, tokenSeed);
        _count(this.moveOutOfDisputed.selector);
    }

    /// @dev An entry of disputed model `id`'s contested epoch claims, and is swept: both refused.
    function _claimContestedEpoch(bytes32 id, uint256 seed, uint256 tokenSeed) private {
        bool provisional = _models[id].provisional;
        uint32 current = _models[id].epochs - 1;
        Contributor[] memory set = _sets[id][current];
        if (set.length != 0) {
            ContributorClaim[] memory entries = new ContributorClaim[](1);
            entries[0] = ContributorTree.entry(id, current, set, (seed >> 64) % set.length);
            address token = _tokenWithClaimable(entries[0], tokenSeed);
            _expectRevert(
                address(router),
                0,
                abi.encodeCall(IRevenueRouter.claim, (token, entries)),
                abi.encodeWithSelector(
                    provisional
                        ? IRevenueRouter.RevenueRouterModelProvisional.selector
                        : IRevenueRouter.RevenueRouterModelFrozen.selector,
                    id
                ),
                "claim from a disputed model's contested epoch"
            );
            _expectRevert(
                address(router),
                0,
                abi.encodeCall(IRevenueRouter.sweepContributor, (token, entries[0])),
                abi.encodeWithSelector(IRevenueRouter.RevenueRouterNotSweepable.selector, id, current),
                "sweepContributor of a disputed model"
            );
        }
    }

    /// @dev An entry of a closed epoch of disputed model `id` claims: it must be paid.
    function _claimClosedEpoch(bytes32 id, uint256 seed, uint256 tokenSeed) private {
        uint32 current = _models[id].epochs - 1;
        if (current == 0 || _models[id].provisional) return;
        uint32 closed = uint32((seed >> 96) % current);
        Contributor[] memory set = _sets[id][closed];
        if (set.length == 0) return;
        ContributorClaim[] memory entries = new ContributorClaim[](1);
        entries[0] = ContributorTree.entry(id, closed, set, (seed >> 32) % set.length);
        _claimExpectingSuccess(_tokenWithClaimable(entries[0], tokenSeed), entries, seed);
    }

    /// @dev A two-step batch ending with `id`'s step: must succeed unless `id` is provisional.
    function _propagateBatchThrough(bytes32 id, address token, uint256 seed) private {
        bytes memory data = abi.encodeCall(IRevenueRouter.propagateBatch, (_batchEndingWith(id, token, seed)));
        if (_models[id].provisional) {
            _expectRevert(
                address(router),
                0,
                data,
                abi.encodeWithSelector(IRevenueRouter.RevenueRouterModelProvisional.selector, id),
                "propagateBatch through a provisional model"
            );
            return;
        }
        (bool success, bytes memory reason) = address(router).call(data);
        if (!success) _fail("propagateBatch through a disputed model reverted", reason);
        else if (router.pendingUpstream(id, token) != 0) _fail("propagateBatch left upstream pending", "");
    }

    /**
     * @dev A dispute action the registry must refuse with the error named, starting from a random one of these and
     * taking the first that has something to act on: raising a dispute on a disputed or a revoked model
     * ({ModelRegistryModelNotActive}); replacing a disputed model's contributors, or assigning a disputed placeholder
     * ({ModelRegistryModelNotActive}); resolving a resolved dispute ({ModelRegistryDisputeState}); withdrawing the
     * bond of a pending dispute ({ModelRegistryDisputeState}) or a withdrawn one
     * ({ModelRegistryBondAlreadyWithdrawn}); raising a dispute with other than the bond ({ModelRegistryWrongBond};
     * {ModelRegistryDisputeCooldown} during a cool-down),
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
                registry.disputeBondFor(id),
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
            uint256 bond = registry.disputeBondFor(id);
            uint256 sent = bond == 0 || seed % 2 == 0 ? bond + 1 : bond - 1;
            // The cool-down is checked before the bond.
            uint256 until = registry.identity(id).disputeCooldownUntil;
            _raiseDisputeExpectingRevert(
                id,
                sent,
                seed,
                block.timestamp < until
                    ? abi.encodeWithSelector(IModelRegistry.ModelRegistryDisputeCooldown.selector, id, until)
                    : abi.encodeWithSelector(IModelRegistry.ModelRegistryWrongBond.selector, sent, bond),
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

    // ---------------------------------------------------------------- identity, epochs and time

    /// @dev Time passes: up to a day, or one time in four up to 40 days (past every window the handler sets).
    function warp(uint256 seed) external {
        uint256 span = seed % 4 == 0 ? 40 days : 1 days;
        vm.warp(block.timestamp + (seed >> 8).bound(1 minutes, span));
        _count(this.warp.selector);
    }

    /// @dev The identity managers set the time windows: the provisional window off (one time in two), a day or a
    /// week; a cool-down of 0, an hour or a day; an epoch renewal after an hour, a day or 30 days.
    function setTrustPeriods(uint256 seed) external {
        uint40[4] memory provisional = [uint40(0), 0, 1 days, 7 days];
        uint40[3] memory cooldown = [uint40(0), 1 hours, 1 days];
        uint40[3] memory renewal = [uint40(1 hours), 1 days, 30 days];
        IModelRegistry.TrustPeriods memory periods = IModelRegistry.TrustPeriods({
            provisional: provisional[seed % 4],
            disputeCooldown: cooldown[(seed >> 8) % 3],
            epochRenewal: renewal[(seed >> 16) % 3]
        });
        try registry.setTrustPeriods(periods) {
            if (keccak256(abi.encode(registry.trustPeriods())) != keccak256(abi.encode(periods))) {
                _fail("setTrustPeriods did not set the periods", "");
            }
            _count(this.setTrustPeriods.selector);
        } catch (bytes memory reason) {
            _fail("setTrustPeriods reverted", reason);
        }
    }

    /**
     * @dev Anyone submits the attesters' signatures that a model's current steward is its rightful one: the model is
     * verified and provisional no more, the nonce used up. Refused for a model that is not active
     * ({ModelRegistryModelNotActive}); an attestation of another steward is refused
     * ({ModelRegistryInvalidAttestation}), one time in five, first.
     */
    function verify(uint256 modelSeed, uint256 seed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _hasSteward);
        if (!found) return;
        address steward = _models[id].steward;
        uint32 nonce = registry.identity(id).nonce;
        if (seed % 5 == 0) {
            address other = address(uint160(steward) ^ 1);
            _expectRevert(
                address(registry),
                0,
                abi.encodeCall(IModelRegistry.verify, (id, _proof(id, other, seed))),
                _isActive(id)
                    ? abi.encodeWithSelector(IModelRegistry.ModelRegistryInvalidAttestation.selector, 0)
                    : abi.encodeWithSelector(IModelRegistry.ModelRegistryModelNotActive.selector, id, _status(id)),
                "verify with an attestation of another steward"
            );
        }
        IModelRegistry.VerificationProof memory proof = _proof(id, steward, seed);
        if (!_isActive(id)) {
            _expectRevert(
                address(registry),
                0,
                abi.encodeCall(IModelRegistry.verify, (id, proof)),
                abi.encodeWithSelector(IModelRegistry.ModelRegistryModelNotActive.selector, id, _status(id)),
                "verify of a model that is not active"
            );
            _count(this.verify.selector);
            return;
        }
        try registry.verify(id, proof) {
            _models[id].provisional = false;
            IModelRegistry.Identity memory identity_ = registry.identity(id);
            if (!identity_.verified || identity_.nonce != nonce + 1 || router.flow(id).provisional) {
                _fail("verify: not verified, nonce not used, or still provisional", "");
            }
            _count(this.verify.selector);
        } catch (bytes memory reason) {
            _fail("verify reverted", reason);
        }
    }

    /**
     * @dev An actor with an attestation claims an active model (a placeholder too): it becomes the steward, and its
     * set replaces a provisional model's current set (one time in two with a corrected lineage over models
     * registered before it), or starts a new epoch on any other model, whose lineage is locked
     * ({ModelRegistryLineageLocked}, tried one time in eight). Nothing owed changes.
     */
    function claimModel(uint256 modelSeed, uint256 seed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isClaimable);
        if (!found) return;
        address claimant = _actor(seed);
        Contributor[] memory set = _randomSet(seed.next(5));
        bool provisional = _models[id].provisional;
        bool correct = provisional ? (seed >> 8) % 2 == 0 : (seed >> 8) % 8 == 0;
        IModelRegistry.Lineage memory lineage;
        if (correct) {
            (lineage.parents, lineage.expectedParentTerms) = _randomParents(seed.next(6), _indexOf(id));
            lineage.upstreamPpm = lineage.parents.length == 0 ? 0 : Random.share(seed.next(7));
        } else {
            lineage.expectedParentTerms = new Terms[](0);
            lineage.parents = new ParentEdge[](0);
        }
        IModelRegistry.VerificationProof memory proof = _proof(id, claimant, seed);
        bytes memory data = abi.encodeCall(IModelRegistry.claimModel, (id, set, correct, lineage, proof));
        if (correct && !provisional) {
            vm.prank(claimant);
            _expectRevert(
                address(registry),
                0,
                data,
                abi.encodeWithSelector(IModelRegistry.ModelRegistryLineageLocked.selector, id),
                "claimModel correcting a locked lineage"
            );
            _count(this.claimModel.selector);
            return;
        }
        BeforeResolution memory before = _beforeResolution(id);
        vm.prank(claimant);
        (bool success, bytes memory reason) = address(registry).call(data);
        if (!success) return _fail("claimModel reverted", reason);
        if (correct) {
            delete _parents[id];
            for (uint256 i = 0; i < lineage.parents.length; ++i) _parents[id].push(lineage.parents[i]);
            if (
                router.parentsHash(id) != keccak256(abi.encode(lineage.parents)) ||
                router.flow(id).upstreamPpm != lineage.upstreamPpm
            ) _fail("claimModel: lineage not corrected", "");
        }
        _installSetGhost(id, claimant, set);
        if (!registry.identity(id).verified || router.flow(id).provisional) _fail("claimModel: not verified", "");
        // Nothing moved while provisional, so even a corrected lineage only splits the same `received` anew.
        for (uint256 t = 0; t < _tokens.length; ++t) {
            if (_owedBy(id, _tokens[t]) != before.held[t]) _fail("claimModel changed what is owed", "");
        }
        _count(this.claimModel.selector);
    }

    /// @dev Anyone ends an active model's provisional window that has passed; refused ({ModelRegistryNotEndable})
    /// before it ends and for placeholders, which wait for their authors, and for a disputed model
    /// ({ModelRegistryModelNotActive}).
    function endProvisional(uint256 modelSeed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isProvisional);
        if (!found) return;
        uint40 until = registry.identity(id).provisionalUntil;
        bool endable = _models[id].steward != address(0) && until != type(uint40).max && block.timestamp >= until;
        if (!_isActive(id)) {
            _expectRevert(
                address(registry),
                0,
                abi.encodeCall(IModelRegistry.endProvisional, (id)),
                abi.encodeWithSelector(IModelRegistry.ModelRegistryModelNotActive.selector, id, _status(id)),
                "endProvisional of a disputed model"
            );
        } else if (!endable) {
            _expectRevert(
                address(registry),
                0,
                abi.encodeCall(IModelRegistry.endProvisional, (id)),
                abi.encodeWithSelector(IModelRegistry.ModelRegistryNotEndable.selector, id, until),
                "endProvisional before the window ends, or of a placeholder"
            );
        } else {
            try registry.endProvisional(id) {
                _models[id].provisional = false;
            } catch (bytes memory reason) {
                _fail("endProvisional reverted", reason);
            }
        }
        _count(this.endProvisional.selector);
    }

    /**
     * @dev Anyone renews an active model's epoch with its current set once the renewal period has passed since the
     * epoch started, closing it (so that its last wei are paid out). Refused ({ModelRegistryEpochNotRenewable})
     * before that, or with another set (tried one time in four).
     */
    function renewEpoch(uint256 modelSeed, uint256 seed) external {
        (bool found, bytes32 id) = _findModel(modelSeed, _isRenewable);
        if (!found) return;
        uint32 current = _models[id].epochs - 1;
        Contributor[] memory set = _sets[id][current];
        if (seed % 4 == 0) set = _randomSet(seed >> 8);
        uint256 from = uint256(registry.identity(id).epochStartedAt) + registry.trustPeriods().epochRenewal;
        bool sameSet = ContributorTree.root(set) == router.epochRoot(id, current);
        bytes memory data = abi.encodeCall(IModelRegistry.renewEpoch, (id, set));
        vm.prank(_actor(seed >> 16));
        if (block.timestamp < from || !sameSet) {
            _expectRevert(
                address(registry),
                0,
                data,
                abi.encodeWithSelector(IModelRegistry.ModelRegistryEpochNotRenewable.selector, id, from),
                "renewEpoch too early or with another set"
            );
            _count(this.renewEpoch.selector);
            return;
        }
        (bool success, bytes memory result) = address(registry).call(data);
        if (!success) return _fail("renewEpoch reverted", result);
        if (abi.decode(result, (uint32)) != current + 1) _fail("renewEpoch: unexpected epoch", "");
        _models[id].epochs = current + 2;
        _recordSet(id, current + 1, set);
        _count(this.renewEpoch.selector);
    }

    /// @dev The attesters' signatures (ascending by signer) that `steward` stewards `id`, at the model's nonce.
    function _proof(
        bytes32 id,
        address steward,
        uint256 seed
    ) private view returns (IModelRegistry.VerificationProof memory proof) {
        proof.revision = bytes32(seed);
        proof.deadline = uint64(block.timestamp + 1 days);
        bytes32 digest = registry.attestationDigest(
            id,
            steward,
            proof.revision,
            registry.identity(id).nonce,
            proof.deadline
        );
        bytes memory a = _signature(ATTESTER_KEY_A, digest);
        bytes memory b = _signature(ATTESTER_KEY_B, digest);
        bool aFirst = vm.addr(ATTESTER_KEY_A) < vm.addr(ATTESTER_KEY_B);
        proof.signatures = new bytes[](2);
        proof.signatures[0] = aFirst ? a : b;
        proof.signatures[1] = aFirst ? b : a;
    }

    function _signature(uint256 key, bytes32 digest) private pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    // ---------------------------------------------------------------- hostile tokens

    /// @dev A payment in the token the router must refuse (a rebasing one, outside the allowlist): it reverts
    /// ({RevenueRouterTokenNotAllowed}) and the router holds none of it.
    function payRefusedToken(uint256 modelSeed, uint256 amountSeed) external {
        address token = _hostile.refusedToken;
        if (token == address(0) || _modelIds.length == 0) return;
        bytes32 id = _modelIds[modelSeed % _modelIds.length];
        uint256 amount = Random.amount(amountSeed);
        TestToken(token).mint(address(this), amount);
        IERC20(token).approve(address(router), amount);
        _expectRevert(
            address(router),
            0,
            abi.encodeCall(IRevenueRouter.pay, (id, token, amount)),
            abi.encodeWithSelector(IRevenueRouter.RevenueRouterTokenNotAllowed.selector, token),
            "pay in a token outside the allowlist"
        );
        if (IERC20(token).balanceOf(address(router)) != 0) _fail("the router holds a refused token", "");
        _count(this.payRefusedToken.selector);
    }

    // ---------------------------------------------------------------- seeded driver

    /// @dev Runs one action chosen and parameterised by `seed` (for seeded random sequences).
    function step(uint256 seed) external {
        uint256 a = seed.next(1);
        uint256 b = seed.next(2);
        uint256 c = seed.next(3);
        uint256 action = seed % 100;
        if (action < 8) this.register(a);
        else if (action < 20) this.pay(a, b, c);
        else if (action < 30) this.payAndSettle(a, b, c);
        else if (action < 36) this.propagate(a, b);
        else if (action < 40) this.propagateBatch(a);
        else if (action < 49) this.claim(a, b);
        else if (action < 52) this.claimTo(a, b, c);
        else if (action < 56) this.setContributors(a, b);
        else if (action < 58) this.assignPlaceholder(a, b);
        else if (action < 63) this.raiseDispute(a, b);
        else if (action < 66) this.resolveDispute(a, b);
        else if (action < 68) this.dismissDispute(a, b);
        else if (action < 70) this.withdrawBond(a);
        else if (action < 75) this.sweepContributor(a, b, c);
        else if (action < 78) this.moveOutOfDisputed(a, b, c);
        else if (action < 80) this.disputeMisuse(a, b);
        else if (action < 82) this.reassign(a, b);
        else if (action < 83) this.replaceBeneficiary(a, b);
        else if (action < 85) this.verify(a, b);
        else if (action < 87) this.claimModel(a, b);
        else if (action < 88) this.endProvisional(a);
        else if (action < 90) this.renewEpoch(a, b);
        else if (action < 93) this.warp(a);
        else if (action < 94) this.setTrustPeriods(a);
        else if (action < 95) this.payRefusedToken(a, b);
        else if (action < 97) this.setFee(a);
        else this.withdrawFees(a, b, c);
    }

    // ---------------------------------------------------------------- ledger views for the invariants

    /**
     * @dev Everything the router owes in `token`, from its own views and the ghost contributor sets: the treasury's
     * fees, each model's not-yet-pushed upstream, each entry's final entitlement (its slice of its epoch's kept
     * total; for the current epoch, what it will be if the epoch closed now) less what it claimed (whoever may claim
     * it, now or later), and the kept amount of every epoch without contributors (escrow). Reverts naming the first
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
     * ones say otherwise for any model: all three must agree on which models are disputed, and by which dispute (and
     * on which models are provisional).
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
            bool provisional = _models[id].provisional;
            require(router.flow(id).provisional == provisional, "router's provisional flag != the handler's");
            require(
                (registry.identity(id).provisionalUntil != 0) == provisional,
                "registry's provisional window != the handler's"
            );
            if (disputed) ids[count++] = id;
        }
        assembly ("memory-safe") {
            mstore(ids, count)
        }
    }

    /// @dev A disputed model's contested epoch, what its entries have claimed in `token` now, and what they had
    /// claimed when the dispute was raised.
    function contestedClaims(
        bytes32 id,
        address token
    ) external view returns (uint32 epoch, uint256 claimedNow, uint256 claimedThen) {
        epoch = _contestedEpoch[id];
        return (epoch, _claimedInEpoch(id, token, epoch), _frozenClaims[id][token]);
    }

    /// @dev The current epoch of model `id` (handler's record).
    function currentEpoch(bytes32 id) external view returns (uint32) {
        return _models[id].epochs - 1;
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
        string memory key,
        uint256 limit
    ) private view returns (IModelRegistry.Registration memory registration) {
        (ParentEdge[] memory parents, Terms[] memory expectedTerms) = _randomParents(seed, limit);
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

    /// @dev Up to MAX_PARENTS distinct models that are not revoked, among the first `count` registered, from a
    /// random rotation, with random weights and relations, and the terms the registrant sees for each.
    function _randomParents(
        uint256 seed,
        uint256 count
    ) private view returns (ParentEdge[] memory parents, Terms[] memory expectedTerms) {
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

    /// @dev A random subset (at most 8) of `account`'s entries with their proofs, and whether a claim of one of them
    /// is refused (`includeRefused` lets such entries in: see {_claimOpen}).
    function _entriesOf(
        address account,
        uint256 seed,
        bool includeRefused
    ) private view returns (ContributorClaim[] memory entries, bool refused) {
        entries = new ContributorClaim[](8);
        uint256 used = 0;
        uint256 bit = 0;
        for (uint256 m = 0; m < _modelIds.length && used < 8; ++m) {
            bytes32 id = _modelIds[m];
            for (uint32 epoch = 0; epoch < _models[id].epochs && used < 8; ++epoch) {
                Contributor[] memory set = _sets[id][epoch];
                for (uint256 j = 0; j < set.length && used < 8; ++j) {
                    if (set[j].account != account) continue;
                    // Each entry is in with probability 1/2 (bits of the seed, recycled past 256 entries).
                    if ((seed >> (bit++ % 256)) & 1 == 0) continue;
                    bool entryRefused = !_claimOpen(id, epoch);
                    if (entryRefused && !includeRefused) continue;
                    entries[used++] = ContributorTree.entry(id, epoch, set, j);
                    refused = refused || entryRefused;
                }
            }
        }
        assembly ("memory-safe") {
            mstore(entries, used)
        }
    }

    /// @dev Whether entries of `epoch` of `id` may claim now (SPEC "Disputes"): not while the model is provisional,
    /// not the contested (current) epoch of a disputed model, not an epoch a revoked model's beneficiary sweeps.
    function _claimOpen(bytes32 id, uint32 epoch) private view returns (bool) {
        if (_models[id].provisional) return false;
        if (_isDisputed(id) && epoch + 1 == _models[id].epochs) return false;
        return !_isSweepable(id, epoch);
    }

    /// @dev Whether `epoch` of revoked model `id` goes to its current beneficiary by sweep: the contested epoch (the
    /// one before the first beneficiary's) and earlier beneficiaries' epochs.
    function _isSweepable(bytes32 id, uint32 epoch) private view returns (bool) {
        if (!_isRevoked(id)) return false;
        uint32 revokedEpoch = _models[id].revokedEpoch;
        return epoch + 1 == revokedEpoch || (epoch >= revokedEpoch && epoch + 1 < _models[id].epochs);
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
     * @dev What an entry is due now, computed here from the ghost epochs (an entry of a closed epoch is owed its
     * slice of the epoch's kept total, an entry of the current epoch only its share, `floor(kept * w / PPM)`, until
     * the epoch closes; less what it claimed), checked against the router's {IRevenueRouter-claimable}, which must
     * be that due when a claim of the entry is open and 0 when it is refused.
     */
    function _checkedClaimable(address token, ContributorClaim memory entry) private returns (uint256 due) {
        uint256 kept = router.keptInEpoch(entry.modelId, token, entry.epoch);
        uint256 entitlement =
            _isClosed(entry.modelId, entry.epoch)
                ? SplitMath.slice(kept, entry.cumulativeBefore, entry.weightPpm)
                : SplitMath.share(kept, entry.weightPpm);
        uint256 alreadyClaimed = router.claimed(entry.modelId, token, entry.epoch, entry.cumulativeBefore);
        if (alreadyClaimed > entitlement) _fail("an entry claimed more than its entitlement so far", "");
        due = entitlement > alreadyClaimed ? entitlement - alreadyClaimed : 0;
        uint256 claimable = router.claimable(token, entry);
        if (claimable != (_claimOpen(entry.modelId, entry.epoch) ? due : 0)) {
            _fail("claimable != due (slice if closed, share if current; 0 if refused)", "");
        }
    }

    /// @dev What the entries of `epoch` of `id` have claimed (or had swept) in `token`.
    function _claimedInEpoch(bytes32 id, address token, uint32 epoch) private view returns (uint256 total) {
        Contributor[] storage set = _sets[id][epoch];
        uint32 cumulative = 0;
        for (uint256 j = 0; j < set.length; ++j) {
            total += router.claimed(id, token, epoch, cumulative);
            cumulative += set[j].weightPpm;
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

    /// @dev A batch propagating `id`, after a step of another model that is not provisional when there is one.
    function _batchEndingWith(
        bytes32 id,
        address token,
        uint256 seed
    ) private view returns (IRevenueRouter.Propagation[] memory batch) {
        (bool found, bytes32 other) = _findModel(seed, _isPropagatable);
        found = found && other != id;
        batch = new IRevenueRouter.Propagation[](found ? 2 : 1);
        if (found) batch[0] = IRevenueRouter.Propagation({modelId: other, token: token, parents: _parents[other]});
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

    function _status(bytes32 id) private view returns (ModelStatus) {
        return router.flow(id).status;
    }

    function _isProvisional(bytes32 id) private view returns (bool) {
        return _models[id].provisional;
    }

    function _isPropagatable(bytes32 id) private view returns (bool) {
        return !_models[id].provisional;
    }

    function _hasSteward(bytes32 id) private view returns (bool) {
        return _models[id].steward != address(0);
    }

    /// @dev Active, and claiming it stays within MAX_EPOCHS (a provisional model's set is replaced in place).
    function _isClaimable(bytes32 id) private view returns (bool) {
        return _isActive(id) && (_models[id].provisional || _models[id].epochs < MAX_EPOCHS);
    }

    /// @dev Not revoked, and reassigning it stays within MAX_EPOCHS.
    function _isReassignable(bytes32 id) private view returns (bool) {
        return !_isRevoked(id) && (_models[id].provisional || _models[id].epochs < MAX_EPOCHS);
    }

    function _isRenewable(bytes32 id) private view returns (bool) {
        return _isActive(id) && !_models[id].provisional && _models[id].epochs < MAX_EPOCHS;
    }

    function _indexOf(bytes32 id) private view returns (uint256 index) {
        while (_modelIds[index] != id) ++index;
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
        ModelGhost storage ghost = _models[id];
        return ghost.steward != address(0) && ghost.epochs < MAX_EPOCHS && !ghost.provisional && _isActive(id);
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

    /// @dev Whether `account` can be paid `token` (hostile mode: the rejecting actor refuses ETH, the blacklisted
    /// actor cannot receive the blacklisting token).
    function _canReceive(address token, address account) private view returns (bool) {
        if (token == NATIVE_TOKEN) return account != _hostile.rejecting || account == address(0);
        if (token == address(_hostile.blacklistToken)) return !_hostile.blacklistToken.blacklisted(account);
        return true;
    }

    /// @dev The revert a payout of `token` to `account` that cannot receive it bubbles up.
    function _refusal(address token, address account) private pure returns (bytes memory) {
        if (token == NATIVE_TOKEN) return abi.encodeWithSelector(RejectingReceiver.RejectingReceiverRefused.selector);
        return abi.encodeWithSelector(BlacklistToken.BlacklistTokenBlocked.selector, account);
    }

    /// @dev An actor, from a random one on, that can receive `token`.
    function _receivingActor(address token, uint256 seed) private view returns (address account) {
        for (uint256 i = 0; i < ACTOR_COUNT; ++i) {
            account = _actor((seed % ACTOR_COUNT) + i);
            if (_canReceive(token, account)) return account;
        }
    }

    function _count(bytes4 selector) private {
        ++calls[selector];
    }

    function _fail(string memory what, bytes memory reason) private {
        if (bytes(failure).length != 0) return;
        failure = reason.length == 0 ? what : string.concat(what, ": ", vm.toString(reason));
    }
}
