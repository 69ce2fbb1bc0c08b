// SPDX-License-Identifier: MIT
// Stemma (contracts/interfaces/IRevenueRouter.sol)
pragma solidity ^0.8.24;

import {ParentEdge, ContributorClaim, ModelStatus} from "./StemmaTypes.sol";

/**
 * @dev Routes revenue paid to any model up its lineage and to its contributors, exactly as SPEC.md defines.
 *
 * Balance lifecycle, per model `m` and token `t`, all on lifetime totals:
 * - {pay}: the protocol fee goes to the treasury balance; the rest is `received[m]`.
 * - `upstream[m] = floor(received[m] * upstreamPpm / PPM)`; `kept[m] = received[m] - upstream[m]`.
 * - {propagate}: pushes `upstream[m] - pushed[m]` one hop: each parent's part of the lifetime upstream (split by
 *   edge weight with {SplitMath-splitTree}), less its part of what was pushed before, is added to that parent's
 *   `received`. Parts never shrink as the total grows, so the result does not depend on when propagation runs.
 * - The kept part that arrives while contributor epoch `e` is current belongs to epoch `e`'s set; contributor `j`
 *   of that set is owed its cumulative-rounding slice of it, and {claim} pulls it (minus what it claimed before).
 *   While the epoch is still current its kept total can grow, and a slice is not monotone in its total, so until
 *   the epoch closes {claim} pays `floor(kept * weight / PPM)`, never more than the final slice.
 *
 * Nothing walks the graph inside a payment: every call's gas is bounded by the caps on parents and claims.
 * While a model is provisional (registered without attestation), payments arrive but nothing leaves it. While it
 * is `DISPUTED`, only its current epoch's claims wait: closed epochs stay claimable and upstream keeps flowing.
 * When a dispute is upheld the model is `REVOKED`: a new epoch whose only contributor is the beneficiary starts,
 * the beneficiary can sweep the contested epoch's unclaimed entitlements, earlier epochs stay their contributors'
 * and upstream still flows to the parents.
 *
 * NOTE: Lifetime amounts are stored in 112 bits (5.19e33 base units) per model and token; a payment, or a
 * propagation into a parent, that would exceed it reverts. A model's `received` never exceeds the total ever paid
 * into it and its descendants, so only a token with a supply above 2^112 can reach the limit. Tokens whose balance
 * does not grow by exactly the paid amount (fee-on-transfer) are rejected; rebasing tokens must not be used, which
 * the allowlist mode ({setAllowlistOnly}, on in the production parameters) enforces.
 */
interface IRevenueRouter {
    /// @dev The money-flow configuration of a model, written by the registry.
    struct Flow {
        uint32 upstreamPpm;
        /// @dev The current contributor epoch.
        uint32 epoch;
        /// @dev The first epoch of the beneficiary when `REVOKED`, otherwise 0.
        uint32 revokedEpoch;
        ModelStatus status;
        /// @dev Registered without attestation and not yet verified or past its window: nothing leaves the model.
        bool provisional;
    }

    /// @dev Which tokens {pay} accepts: in allowlist mode only `ALLOWED` ones, otherwise any but `BLOCKED` ones.
    enum TokenPolicy {
        NONE,
        ALLOWED,
        BLOCKED
    }

    /// @dev A model's lifetime totals in one token.
    struct ModelBalance {
        uint256 received;
        uint256 upstream;
        uint256 pushed;
        uint256 kept;
    }

    /// @dev One propagation step of a batch.
    struct Propagation {
        bytes32 modelId;
        address token;
        ParentEdge[] parents;
    }

    // ---------------------------------------------------------------- errors

    /// @dev Thrown when no model has this id.
    error RevenueRouterUnknownModel(bytes32 id);
    /// @dev Thrown when a payment of zero is made.
    error RevenueRouterZeroAmount();
    /// @dev Thrown when an amount does not fit in the 112-bit lifetime totals.
    error RevenueRouterAmountTooLarge(uint256 amount, uint256 max);
    /// @dev Thrown when the token is `address(0)`.
    error RevenueRouterInvalidToken(address token);
    /// @dev Thrown when the administrators blocked the token.
    error RevenueRouterTokenBlocked(address token);
    /// @dev Thrown when `msg.value` does not match the payment (the amount for ETH, zero for an ERC-20).
    error RevenueRouterValueMismatch(uint256 sent, uint256 expected);
    /// @dev Thrown when an ERC-20 transfer did not raise the router's balance by exactly the amount.
    error RevenueRouterTokenDeliveryMismatch(address token, uint256 expected, uint256 delivered);
    /// @dev Thrown when the parents passed in are not the model's registered edges.
    error RevenueRouterParentsMismatch(bytes32 id);
    /// @dev Thrown when a claim targets the contested (current) epoch of a `DISPUTED` model.
    error RevenueRouterModelFrozen(bytes32 id);
    /// @dev Thrown when funds would leave a provisional model.
    error RevenueRouterModelProvisional(bytes32 id);
    /// @dev Thrown when allowlist mode is on and the token is not allowed.
    error RevenueRouterTokenNotAllowed(address token);
    /// @dev Thrown when {claimTo} is called by someone other than the entries' account.
    error RevenueRouterNotAccount(address account, address caller);
    /// @dev Thrown when a registry hook needs a provisional model and the model is not.
    error RevenueRouterNotProvisional(bytes32 id);
    /// @dev Thrown when a claim targets an epoch of a revoked model that belongs to its beneficiary by sweep.
    error RevenueRouterModelRevoked(bytes32 id);
    /// @dev Thrown when a sweep targets a model that is not revoked, or an epoch that is not sweepable.
    error RevenueRouterNotSweepable(bytes32 id, uint32 epoch);
    /// @dev Thrown when the epoch has no contributor set (a placeholder's escrow, or an epoch not started).
    error RevenueRouterNoContributors(bytes32 id, uint32 epoch);
    /// @dev Thrown when a contributor entry is not in the epoch's set.
    error RevenueRouterInvalidProof(bytes32 id, uint32 epoch, address account);
    /// @dev Thrown when a claim holds no entry.
    error RevenueRouterEmptyClaim();
    /// @dev Thrown when one claim mixes entries of different accounts.
    error RevenueRouterMixedAccounts(address first, address other);
    /// @dev Thrown when a fee above {MAX_FEE_PPM} is set.
    error RevenueRouterFeeTooHigh(uint256 feePpm, uint256 max);
    /// @dev Thrown when an address that must be set is zero.
    error RevenueRouterZeroAddress();
    /// @dev Thrown when a registry-only function is called by another account.
    error RevenueRouterNotRegistry(address caller);
    /// @dev Thrown when the registry is bound twice.
    error RevenueRouterRegistryAlreadySet(address registry);
    /// @dev Thrown when a model is configured twice.
    error RevenueRouterModelExists(bytes32 id);
    /// @dev Thrown when anyone but the treasury withdraws fees.
    error RevenueRouterNotTreasury(address caller);
    /// @dev Thrown when the treasury withdraws more than it accrued.
    error RevenueRouterInsufficientFees(address token, uint256 requested, uint256 available);

    // ---------------------------------------------------------------- events

    /// @dev Emitted when revenue is paid to a model: `amount - fee` is added to its `received`.
    event Paid(bytes32 indexed modelId, address indexed token, address indexed payer, uint256 amount, uint256 fee);

    /// @dev Emitted when a model's upstream is pushed one hop. `pushedTotal` is the model's lifetime pushed upstream
    /// after the step; each parent's part is its {SplitMath-splitTree} part of `pushedTotal` less its part of
    /// `pushedTotal - amount`.
    event Propagated(bytes32 indexed modelId, address indexed token, uint256 amount, uint256 pushedTotal);

    /// @dev Emitted when a contributor entry's entitlement is paid to its account.
    event Claimed(
        bytes32 indexed modelId,
        address indexed token,
        address indexed account,
        uint32 epoch,
        uint32 cumulativeBefore,
        uint256 amount
    );

    /// @dev Emitted after the {Claimed} events of a {claimTo}: the account had `total` paid to `recipient`.
    event ClaimRedirected(address indexed account, address indexed token, address indexed recipient, uint256 total);

    /// @dev Emitted when an unclaimed entitlement of a revoked model's contested epoch, or of an earlier
    /// beneficiary's epoch, is paid to its current beneficiary.
    event ContributorSwept(
        bytes32 indexed modelId,
        address indexed token,
        address indexed beneficiary,
        uint32 epoch,
        uint32 cumulativeBefore,
        uint256 amount
    );

    /// @dev Emitted when a model's flow is configured at registration.
    event FlowConfigured(bytes32 indexed modelId, uint32 upstreamPpm, bytes32 parentsHash, bytes32 root);

    /// @dev Emitted when a model's contributor epoch changes or its escrow epoch is assigned.
    event EpochRootSet(bytes32 indexed modelId, uint32 indexed epoch, bytes32 root);

    /// @dev Emitted when a model's status changes.
    event StatusUpdated(bytes32 indexed modelId, ModelStatus status, address beneficiary);

    /// @dev Emitted when the treasury withdraws accrued fees.
    event FeesWithdrawn(address indexed token, address indexed to, uint256 amount);

    /// @dev Emitted when the protocol fee changes.
    event FeeUpdated(uint32 feePpm);

    /// @dev Emitted when the treasury address changes.
    event TreasuryUpdated(address treasury);

    /// @dev Emitted when a token's policy changes.
    event TokenPolicyUpdated(address indexed token, TokenPolicy policy);

    /// @dev Emitted when allowlist mode is switched.
    event AllowlistModeUpdated(bool allowlistOnly);

    /// @dev Emitted when a provisional model is verified, claimed or past its window: its funds may move.
    event ProvisionCleared(bytes32 indexed modelId);

    /// @dev Emitted once, when the registry is bound.
    event RegistryBound(address registry);

    // ---------------------------------------------------------------- money flow

    /**
     * @dev Pays `amount` of `token` (NATIVE_TOKEN for ETH, sent as `msg.value`) to a model. The fee,
     * `ceil(amount * feePpm / PPM)` (so that splitting a payment never saves fee), is added to the treasury balance and the rest to the model's `received`,
     * counted in the model's current contributor epoch (read after the token is pulled, so that a token's hook
     * cannot make it stale). Provisional, disputed and revoked models accept payments.
     *
     * Emits a {Paid} event.
     */
    function pay(bytes32 modelId, address token, uint256 amount) external payable;

    /**
     * @dev Pushes a model's not-yet-pushed upstream one hop to its parents, given as registered. Anyone may call
     * this; the result does not depend on when or how often it runs. Does nothing when nothing is pending.
     * Reverts while the model is provisional; disputed and revoked models keep paying their parents.
     *
     * Emits a {Propagated} event when something moved.
     * @return amount What left the model in this step.
     */
    function propagate(bytes32 modelId, address token, ParentEdge[] calldata parents) external returns (uint256 amount);

    /// @dev Runs {propagate} for each step in order (a child before its parents moves funds further in one call).
    /// @return total The sum of what each step moved.
    function propagateBatch(Propagation[] calldata steps) external returns (uint256 total);

    /**
     * @dev Pays one account everything its entries are owed in `token`: for each entry, its cumulative-rounding
     * slice of what its epoch kept (while the epoch is current: `floor(kept * weight / PPM)`), less what it claimed
     * before. All entries must name the same account. Anyone
     * may call this: funds only ever go to that account.
     *
     * Emits a {Claimed} event per entry with something to pay.
     * @return total What was paid to the account.
     */
    function claim(address token, ContributorClaim[] calldata entries) external returns (uint256 total);

    /// @dev {claim}, paid to `recipient` instead of the account (a contract that refuses ETH, an address a token
    /// blacklists). The caller must be the entries' account. Emits {ClaimRedirected} after the {Claimed} events.
    function claimTo(
        address token,
        ContributorClaim[] calldata entries,
        address recipient
    ) external returns (uint256 total);

    /// @dev Pays a revoked model's unclaimed entitlement of the contested epoch (the one current when it was
    /// revoked), or of an earlier beneficiary's epoch, to the current beneficiary. Anyone may call this. Emits a
    /// {ContributorSwept} event.
    function sweepContributor(address token, ContributorClaim calldata entry) external returns (uint256 amount);

    /// @dev Sends accrued protocol fees to `to`. Treasury only. Emits a {FeesWithdrawn} event.
    function withdrawFees(address token, address to, uint256 amount) external;

    // ---------------------------------------------------------------- administration

    /// @dev Sets the protocol fee, at most {MAX_FEE_PPM}. Fee managers only. Emits a {FeeUpdated} event.
    function setFee(uint32 feePpm) external;

    /// @dev Sets the treasury. Fee managers only. Emits a {TreasuryUpdated} event.
    function setTreasury(address treasury) external;

    /// @dev Blocks or unblocks a token for payments (claims and withdrawals stay open).
    /// Token managers only. Emits a {TokenPolicyUpdated} event.
    function setTokenBlocked(address token, bool blocked) external;

    /// @dev Allows tokens for payments in allowlist mode (or withdraws that, leaving them unblocked). Token managers
    /// only. Emits a {TokenPolicyUpdated} event per token.
    function setTokensAllowed(address[] calldata tokens, bool allowed) external;

    /// @dev Switches allowlist mode: only allowed tokens can be paid. Token managers only. Emits an
    /// {AllowlistModeUpdated} event.
    function setAllowlistOnly(bool allowlistOnly) external;

    /// @dev Binds the registry that configures models, once. Default admins only. Emits a {RegistryBound} event.
    function bindRegistry(address registry) external;

    // ---------------------------------------------------------------- registry hooks

    /// @dev Configures a new model's flow with its epoch-0 root (zero for a placeholder's escrow).
    function configureModel(
        bytes32 id,
        uint32 upstreamPpm,
        bytes32 parentsHash,
        bytes32 root,
        bool provisional
    ) external;

    /// @dev Ends a model's provisional state: its funds may move.
    function clearProvisional(bytes32 id) external;

    /// @dev Settles a provisional model for its rightful steward: nothing has moved, so the current epoch's root and
    /// the lineage are replaced, and its funds may move. Returns the current epoch.
    function settleProvisional(
        bytes32 id,
        uint32 upstreamPpm,
        bytes32 parentsHash,
        bytes32 root
    ) external returns (uint32 epoch);

    /// @dev Starts a new contributor epoch with `root`. Returns the new epoch.
    function startEpoch(bytes32 id, bytes32 root) external returns (uint32 epoch);

    /// @dev Sets a model's status; `REVOKED` starts the beneficiary's epoch with `beneficiaryRoot` (on an unassigned
    /// placeholder, the beneficiary takes over the escrow epoch instead) and ends a provisional state. For a revoked
    /// model, `REVOKED` again replaces the beneficiary with a new epoch.
    /// @return epoch The model's current epoch afterwards.
    function setStatus(
        bytes32 id,
        ModelStatus status,
        address beneficiary,
        bytes32 beneficiaryRoot
    ) external returns (uint32 epoch);

    // ---------------------------------------------------------------- views

    /// @dev The highest protocol fee, in PPM (10%).
    function MAX_FEE_PPM() external view returns (uint32);

    function registry() external view returns (address);

    function feePpm() external view returns (uint32);

    function treasury() external view returns (address);

    function isTokenBlocked(address token) external view returns (bool);

    function tokenPolicy(address token) external view returns (TokenPolicy);

    function allowlistOnly() external view returns (bool);

    /// @dev Accrued, not yet withdrawn protocol fees.
    function fees(address token) external view returns (uint256);

    function flow(bytes32 id) external view returns (Flow memory);

    function parentsHash(bytes32 id) external view returns (bytes32);

    function epochRoot(bytes32 id, uint32 epoch) external view returns (bytes32);

    /// @dev The beneficiary of a revoked model, or zero.
    function beneficiary(bytes32 id) external view returns (address);

    /// @dev A model's lifetime totals in a token.
    function modelBalance(bytes32 id, address token) external view returns (ModelBalance memory);

    /// @dev What {propagate} would move now.
    function pendingUpstream(bytes32 id, address token) external view returns (uint256);

    /// @dev What the model kept in `token` while `epoch` was current (so far, for the current epoch).
    function keptInEpoch(bytes32 id, address token, uint32 epoch) external view returns (uint256);

    /// @dev What an entry has claimed (or had swept) so far.
    function claimed(bytes32 id, address token, uint32 epoch, uint32 cumulativeBefore) external view returns (uint256);

    /// @dev What {claim} would pay for this entry now: 0 while a claim of it would be refused (provisional model,
    /// contested epoch, an epoch that belongs to a revoked model's beneficiary by sweep). Reverts like {claim} on a
    /// bad proof.
    function claimable(address token, ContributorClaim calldata entry) external view returns (uint256);

    /// @dev What {propagate} would add to each parent now, in the order given (zeros while the model is
    /// provisional and {propagate} would refuse).
    function previewPropagate(
        bytes32 id,
        address token,
        ParentEdge[] calldata parents
    ) external view returns (uint256[] memory amounts);

    /// @dev The fee and the net amount a payment of `amount` would produce now.
    function previewPay(uint256 amount) external view returns (uint256 fee, uint256 net);
}
