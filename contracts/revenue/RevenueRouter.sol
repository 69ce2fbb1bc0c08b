// SPDX-License-Identifier: MIT
// Stemma (contracts/revenue/RevenueRouter.sol)
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {ParentEdge, ContributorClaim, ModelStatus, NATIVE_TOKEN, PPM} from "../interfaces/StemmaTypes.sol";
import {LineageLib} from "../libraries/LineageLib.sol";
import {SplitMath} from "../libraries/SplitMath.sol";

/**
 * @dev Implementation of {IRevenueRouter}.
 *
 * Storage is laid out for the hot paths. A payment touches three slots: the model's {Flow}, the model's
 * {Balance} in the token, and the token's fee balance. A propagation touches two per parent (its {Flow} and
 * {Balance}). A claim touches four per entry (the {Flow}, the epoch's root, the {Balance} and the entry's claimed
 * amount). Nothing is written per contributor when money arrives: contributors pull their slice of their epoch.
 *
 * Epoch accounting is lazy: a {Balance} remembers the epoch it last saw money arrive in and how much the model had
 * kept when that epoch started. When money arrives in a later epoch, the closed epoch's kept amount is written
 * down once and the balance moves to the current epoch. Since nothing arrived in between, this equals splitting
 * at the moment the epoch changed.
 */
contract RevenueRouter is IRevenueRouter, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant FEE_MANAGER_ROLE = keccak256("FEE_MANAGER_ROLE");
    bytes32 public constant TOKEN_MANAGER_ROLE = keccak256("TOKEN_MANAGER_ROLE");

    /// @inheritdoc IRevenueRouter
    uint32 public constant MAX_FEE_PPM = 100_000; // 10%

    /// @dev A model's lifetime totals in one token, packed in one slot.
    struct Balance {
        /// @dev Everything that arrived, net of fees.
        uint112 received;
        /// @dev `keptOf(received)` when `epoch` started for this token.
        uint112 keptAtEpochStart;
        /// @dev The epoch the last arrival counted in.
        uint32 epoch;
    }

    struct Config {
        address treasury;
        uint32 feePpm;
        /// @dev Only `ALLOWED` tokens can be paid. In the fee's slot, which {pay} reads anyway.
        bool allowlistOnly;
    }

    Config private _config;
    address private _registry;

    mapping(bytes32 id => Flow) private _flows;
    mapping(bytes32 id => bytes32) private _parentsHashes;
    mapping(bytes32 id => mapping(uint32 epoch => bytes32)) private _roots;
    mapping(bytes32 id => address) private _beneficiaries;
    mapping(bytes32 id => mapping(address token => Balance)) private _balances;
    mapping(bytes32 id => mapping(address token => uint256)) private _pushed;
    mapping(bytes32 id => mapping(address token => mapping(uint32 epoch => uint256))) private _closedEpochKept;
    mapping(bytes32 entryKey => uint256) private _claimed;
    mapping(address token => uint256) private _fees;
    mapping(address token => TokenPolicy) private _tokenPolicies;

    modifier onlyRegistry() {
        if (msg.sender != _registry) revert RevenueRouterNotRegistry(msg.sender);
        _;
    }

    /**
     * @param admin Receives every role (the deployment moves them to the DAO's timelock).
     * @param initialTreasury Receives the protocol fee.
     * @param initialFeePpm The protocol fee, at most {MAX_FEE_PPM}.
     */
    constructor(address admin, address initialTreasury, uint32 initialFeePpm) {
        if (admin == address(0)) revert RevenueRouterZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(FEE_MANAGER_ROLE, admin);
        _grantRole(TOKEN_MANAGER_ROLE, admin);
        _setTreasury(initialTreasury);
        _setFee(initialFeePpm);
    }

    // ---------------------------------------------------------------- money flow

    /// @inheritdoc IRevenueRouter
    function pay(bytes32 modelId, address token, uint256 amount) external payable nonReentrant {
        if (_flows[modelId].status == ModelStatus.NONE) revert RevenueRouterUnknownModel(modelId);
        if (amount == 0) revert RevenueRouterZeroAmount();
        if (amount > type(uint112).max) revert RevenueRouterAmountTooLarge(amount, type(uint112).max);
        Config memory config = _config;
        _checkTokenPolicy(token, config.allowlistOnly);
        if (token == NATIVE_TOKEN) {
            if (msg.value != amount) revert RevenueRouterValueMismatch(msg.value, amount);
        } else {
            if (msg.value != 0) revert RevenueRouterValueMismatch(msg.value, 0);
            // Pulled before the effects so that the delivered amount can be checked; `nonReentrant` guards the
            // router, and the model's flow is read only afterwards, since a token's hook may reach the registry
            // (a steward starting an epoch) while it runs.
            _pullExactly(token, amount);
        }
        uint256 fee = _feeOf(amount, config.feePpm);
        if (fee != 0) _fees[token] += fee;
        _arrive(modelId, token, amount - fee, _flows[modelId]);
        emit Paid(modelId, token, msg.sender, amount, fee);
    }

    function _checkTokenPolicy(address token, bool allowlistOnly_) private view {
        if (token == address(0)) revert RevenueRouterInvalidToken(token);
        TokenPolicy policy = _tokenPolicies[token];
        if (policy == TokenPolicy.BLOCKED) revert RevenueRouterTokenBlocked(token);
        if (allowlistOnly_ && policy != TokenPolicy.ALLOWED) revert RevenueRouterTokenNotAllowed(token);
    }

    /// @dev `ceil(amount * feePpm / PPM)`: rounded up, so that no split of a payment pays less fee than the whole.
    function _feeOf(uint256 amount, uint256 feePpm_) private pure returns (uint256) {
        // Safe: amount < 2^112 and feePpm_ <= MAX_FEE_PPM, so the sum stays far below 2^256.
        unchecked {
            return (amount * feePpm_ + PPM - 1) / PPM;
        }
    }

    /// @inheritdoc IRevenueRouter
    function propagate(
        bytes32 modelId,
        address token,
        ParentEdge[] calldata parents
    ) external nonReentrant returns (uint256 amount) {
        return _propagate(modelId, token, parents);
    }

    /// @inheritdoc IRevenueRouter
    function propagateBatch(Propagation[] calldata steps) external nonReentrant returns (uint256 total) {
        for (uint256 i = 0; i < steps.length; ++i) {
            total += _propagate(steps[i].modelId, steps[i].token, steps[i].parents);
        }
    }

    function _propagate(bytes32 modelId, address token, ParentEdge[] calldata parents) private returns (uint256) {
        Flow memory modelFlow = _propagatableFlow(modelId);
        _checkParents(modelId, parents);
        uint256 upstream = SplitMath.upstreamOf(_balances[modelId][token].received, modelFlow.upstreamPpm);
        uint256 pushed = _pushed[modelId][token];
        if (upstream == pushed) return 0;
        _pushed[modelId][token] = upstream;
        if (parents.length == 1) {
            // Gas: most derivatives (fine-tunes, adapters, quantized builds) have one parent, which gets it all.
            bytes32 parentId = parents[0].parentId;
            _arrive(parentId, token, upstream - pushed, _flows[parentId]);
        } else {
            uint256[] memory shares = _parentShares(upstream, pushed, parents);
            for (uint256 i = 0; i < shares.length; ++i) {
                if (shares[i] != 0) {
                    bytes32 parentId = parents[i].parentId;
                    _arrive(parentId, token, shares[i], _flows[parentId]);
                }
            }
        }
        emit Propagated(modelId, token, upstream - pushed, upstream);
        return upstream - pushed;
    }

    /// @dev What each parent gets when the lifetime pushed upstream goes from `pushed` to `upstream`: its
    /// {SplitMath-splitTree} part of the one less its part of the other, never negative since parts are monotone.
    function _parentShares(
        uint256 upstream,
        uint256 pushed,
        ParentEdge[] calldata parents
    ) private pure returns (uint256[] memory shares) {
        uint256 count = parents.length;
        uint256[] memory cumulative = new uint256[](count + 1);
        for (uint256 i = 0; i < count; ++i) {
            cumulative[i + 1] = cumulative[i] + parents[i].weightPpm;
        }
        return SplitMath.splitTreeGrowth(pushed, upstream, cumulative);
    }

    /// @inheritdoc IRevenueRouter
    function claim(address token, ContributorClaim[] calldata entries) external nonReentrant returns (uint256 total) {
        total = _claimEntries(token, entries);
        if (total != 0) _send(token, entries[0].account, total);
    }

    /// @inheritdoc IRevenueRouter
    function claimTo(
        address token,
        ContributorClaim[] calldata entries,
        address recipient
    ) external nonReentrant returns (uint256 total) {
        if (recipient == address(0)) revert RevenueRouterZeroAddress();
        total = _claimEntries(token, entries);
        address account = entries[0].account;
        if (msg.sender != account) revert RevenueRouterNotAccount(account, msg.sender);
        emit ClaimRedirected(account, token, recipient, total);
        if (total != 0) _send(token, recipient, total);
    }

    /// @dev Settles every entry (all of one account) and returns the sum to pay.
    function _claimEntries(address token, ContributorClaim[] calldata entries) private returns (uint256 total) {
        if (entries.length == 0) revert RevenueRouterEmptyClaim();
        address account = entries[0].account;
        for (uint256 i = 0; i < entries.length; ++i) {
            ContributorClaim calldata entry = entries[i];
            if (entry.account != account) revert RevenueRouterMixedAccounts(account, entry.account);
            Flow memory modelFlow = _claimableFlow(entry.modelId, entry.epoch);
            uint256 amount = _settle(token, entry, modelFlow);
            if (amount != 0) {
                total += amount;
                emit Claimed(entry.modelId, token, account, entry.epoch, entry.cumulativeBefore, amount);
            }
        }
    }

    /// @inheritdoc IRevenueRouter
    function sweepContributor(
        address token,
        ContributorClaim calldata entry
    ) external nonReentrant returns (uint256 amount) {
        Flow memory modelFlow = _flows[entry.modelId];
        if (!_isSweepable(modelFlow, entry.epoch)) revert RevenueRouterNotSweepable(entry.modelId, entry.epoch);
        amount = _settle(token, entry, modelFlow);
        if (amount == 0) return 0;
        address recipient = _beneficiaries[entry.modelId];
        emit ContributorSwept(entry.modelId, token, recipient, entry.epoch, entry.cumulativeBefore, amount);
        _send(token, recipient, amount);
    }

    /// @inheritdoc IRevenueRouter
    function withdrawFees(address token, address to, uint256 amount) external nonReentrant {
        if (msg.sender != _config.treasury) revert RevenueRouterNotTreasury(msg.sender);
        if (to == address(0)) revert RevenueRouterZeroAddress();
        uint256 available = _fees[token];
        if (amount > available) revert RevenueRouterInsufficientFees(token, amount, available);
        _fees[token] = available - amount;
        emit FeesWithdrawn(token, to, amount);
        _send(token, to, amount);
    }

    /// @dev Counts `amount` as arriving at a model now: in its current epoch, closing the epoch the token last saw.
    function _arrive(bytes32 id, address token, uint256 amount, Flow memory modelFlow) private {
        Balance memory balance = _balances[id][token];
        uint256 received = balance.received;
        if (balance.epoch != modelFlow.epoch) {
            uint256 keptNow = SplitMath.keptOf(received, modelFlow.upstreamPpm);
            uint256 closedKept = keptNow - balance.keptAtEpochStart;
            if (closedKept != 0) _closedEpochKept[id][token][balance.epoch] = closedKept;
            // keptNow <= received < 2^112.
            balance.keptAtEpochStart = uint112(keptNow);
            balance.epoch = modelFlow.epoch;
        }
        received += amount;
        if (received > type(uint112).max) revert RevenueRouterAmountTooLarge(received, type(uint112).max);
        balance.received = uint112(received);
        _balances[id][token] = balance;
    }

    /// @dev Verifies an entry against its epoch's root, records what it can be paid now as claimed, and returns
    /// the increase over what it claimed before (never negative: what an entry can be paid never shrinks).
    function _settle(
        address token,
        ContributorClaim calldata entry,
        Flow memory modelFlow
    ) private returns (uint256 amount) {
        uint256 owed = _entitlement(token, entry, modelFlow);
        bytes32 key = _entryKey(entry.modelId, token, entry.epoch, entry.cumulativeBefore);
        uint256 already = _claimed[key];
        // Nothing new is owed; `owed < already + 1` says the same less plainly.
        // solhint-disable-next-line gas-strict-inequalities
        if (owed <= already) return 0;
        _claimed[key] = owed;
        return owed - already;
    }

    function _entitlement(
        address token,
        ContributorClaim calldata entry,
        Flow memory modelFlow
    ) private view returns (uint256) {
        bytes32 root = _roots[entry.modelId][entry.epoch];
        if (root == bytes32(0)) revert RevenueRouterNoContributors(entry.modelId, entry.epoch);
        bytes32 leaf = LineageLib.contributorLeaf(entry.account, entry.role, entry.weightPpm, entry.cumulativeBefore);
        if (!MerkleProof.verifyCalldata(entry.proof, root, leaf)) {
            revert RevenueRouterInvalidProof(entry.modelId, entry.epoch, entry.account);
        }
        uint256 kept = _keptInEpoch(entry.modelId, token, entry.epoch, modelFlow.upstreamPpm);
        // A closed epoch's kept amount is final: its exact slice. The current epoch's can still grow, and a slice
        // can shrink as its total grows (SplitMath), so until the epoch closes the entry gets the floor of its
        // pro-rata share, which never exceeds its final slice. Less than one wei per entry waits for the close.
        if (entry.epoch < modelFlow.epoch) return SplitMath.slice(kept, entry.cumulativeBefore, entry.weightPpm);
        return SplitMath.share(kept, entry.weightPpm);
    }

    function _keptInEpoch(bytes32 id, address token, uint32 epoch, uint32 upstreamPpm) private view returns (uint256) {
        Balance memory balance = _balances[id][token];
        if (epoch == balance.epoch) return SplitMath.keptOf(balance.received, upstreamPpm) - balance.keptAtEpochStart;
        if (epoch < balance.epoch) return _closedEpochKept[id][token][epoch];
        return 0;
    }

    /// @dev The flow of a model whose upstream may move on: it exists and is not provisional. Disputed and revoked
    /// models keep paying their parents, who are not what a dispute contests.
    function _propagatableFlow(bytes32 id) private view returns (Flow memory modelFlow) {
        modelFlow = _flows[id];
        if (modelFlow.status == ModelStatus.NONE) revert RevenueRouterUnknownModel(id);
        if (modelFlow.provisional) revert RevenueRouterModelProvisional(id);
    }

    /// @dev The flow of a model whose `epoch` entries may claim now (SPEC "Disputes"): not provisional; not the
    /// contested current epoch of a disputed model; for a revoked model, its contributors' epochs before the
    /// contested one, and the current beneficiary's epoch.
    function _claimableFlow(bytes32 id, uint32 epoch) private view returns (Flow memory modelFlow) {
        modelFlow = _propagatableFlow(id);
        if (modelFlow.status == ModelStatus.DISPUTED && epoch == modelFlow.epoch) revert RevenueRouterModelFrozen(id);
        if (modelFlow.status == ModelStatus.REVOKED && _isSweepable(modelFlow, epoch)) {
            revert RevenueRouterModelRevoked(id);
        }
    }

    /// @dev {_claimableFlow}'s rule as a predicate, for the views.
    function _claimOpen(Flow memory modelFlow, uint32 epoch) private pure returns (bool) {
        if (modelFlow.provisional) return false;
        if (modelFlow.status == ModelStatus.DISPUTED && epoch == modelFlow.epoch) return false;
        return !_isSweepable(modelFlow, epoch);
    }

    /// @dev Whether a revoked model's `epoch` goes to its current beneficiary by sweep: the contested epoch (the one
    /// current when it was revoked; an unassigned placeholder's escrow epoch has none before it) or an earlier
    /// beneficiary's epoch.
    function _isSweepable(Flow memory modelFlow, uint32 epoch) private pure returns (bool) {
        if (modelFlow.status != ModelStatus.REVOKED) return false;
        // `epoch + 1` cannot overflow in practice (epochs count registry transactions) but is computed wide.
        if (uint256(epoch) + 1 == modelFlow.revokedEpoch) return true;
        // solhint-disable-next-line gas-strict-inequalities
        return epoch >= modelFlow.revokedEpoch && epoch < modelFlow.epoch;
    }

    /// @dev Reverts unless `parents` are the model's registered edges, encoded exactly as the registry hashed them.
    function _checkParents(bytes32 id, ParentEdge[] calldata parents) private view {
        bytes32 hash;
        // Gas: a calldata `ParentEdge[]` already holds abi.encode's layout after its leading offset word (the length,
        // then three words per edge), so hashing a copy of it costs a few gas per edge instead of a re-encoding.
        // Non-canonical encodings (dirty high bits) hash differently and are rejected.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let size := mul(parents.length, 0x60)
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), parents.length)
            calldatacopy(add(ptr, 0x40), parents.offset, size)
            hash := keccak256(ptr, add(size, 0x40))
        }
        if (hash != _parentsHashes[id]) revert RevenueRouterParentsMismatch(id);
    }

    function _pullExactly(address token, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 delivered = IERC20(token).balanceOf(address(this)) - before;
        if (delivered != amount) revert RevenueRouterTokenDeliveryMismatch(token, amount, delivered);
    }

    function _send(address token, address to, uint256 amount) private {
        if (token == NATIVE_TOKEN) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    function _entryKey(
        bytes32 id,
        address token,
        uint32 epoch,
        uint32 cumulativeBefore
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(id, token, epoch, cumulativeBefore));
    }

    // ---------------------------------------------------------------- administration

    /// @inheritdoc IRevenueRouter
    function setFee(uint32 feePpm_) external onlyRole(FEE_MANAGER_ROLE) {
        _setFee(feePpm_);
    }

    /// @inheritdoc IRevenueRouter
    function setTreasury(address treasury_) external onlyRole(FEE_MANAGER_ROLE) {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IRevenueRouter
    function setTokenBlocked(address token, bool blocked) external onlyRole(TOKEN_MANAGER_ROLE) {
        _setTokenPolicy(token, blocked ? TokenPolicy.BLOCKED : TokenPolicy.NONE);
    }

    /// @inheritdoc IRevenueRouter
    function setTokensAllowed(address[] calldata tokens, bool allowed) external onlyRole(TOKEN_MANAGER_ROLE) {
        for (uint256 i = 0; i < tokens.length; ++i) {
            _setTokenPolicy(tokens[i], allowed ? TokenPolicy.ALLOWED : TokenPolicy.NONE);
        }
    }

    /// @inheritdoc IRevenueRouter
    function setAllowlistOnly(bool allowlistOnly_) external onlyRole(TOKEN_MANAGER_ROLE) {
        _config.allowlistOnly = allowlistOnly_;
        emit AllowlistModeUpdated(allowlistOnly_);
    }

    function _setTokenPolicy(address token, TokenPolicy policy) private {
        if (token == address(0)) revert RevenueRouterInvalidToken(token);
        _tokenPolicies[token] = policy;
        emit TokenPolicyUpdated(token, policy);
    }

    /// @inheritdoc IRevenueRouter
    function bindRegistry(address registry_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_registry != address(0)) revert RevenueRouterRegistryAlreadySet(_registry);
        if (registry_ == address(0)) revert RevenueRouterZeroAddress();
        _registry = registry_;
        emit RegistryBound(registry_);
    }

    function _setFee(uint32 feePpm_) private {
        if (feePpm_ > MAX_FEE_PPM) revert RevenueRouterFeeTooHigh(feePpm_, MAX_FEE_PPM);
        _config.feePpm = feePpm_;
        emit FeeUpdated(feePpm_);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert RevenueRouterZeroAddress();
        _config.treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }

    // ---------------------------------------------------------------- registry hooks

    /// @inheritdoc IRevenueRouter
    function configureModel(
        bytes32 id,
        uint32 upstreamPpm,
        bytes32 parentsHash_,
        bytes32 root,
        bool provisional
    ) external onlyRegistry {
        if (_flows[id].status != ModelStatus.NONE) revert RevenueRouterModelExists(id);
        _flows[id] = Flow({
            upstreamPpm: upstreamPpm,
            epoch: 0,
            revokedEpoch: 0,
            status: ModelStatus.ACTIVE,
            provisional: provisional
        });
        _parentsHashes[id] = parentsHash_;
        if (root != bytes32(0)) _roots[id][0] = root;
        emit FlowConfigured(id, upstreamPpm, parentsHash_, root);
    }

    /// @inheritdoc IRevenueRouter
    function clearProvisional(bytes32 id) external onlyRegistry {
        Flow storage modelFlow = _flows[id];
        if (!modelFlow.provisional) revert RevenueRouterNotProvisional(id);
        modelFlow.provisional = false;
        emit ProvisionCleared(id);
    }

    /// @inheritdoc IRevenueRouter
    function settleProvisional(
        bytes32 id,
        uint32 upstreamPpm,
        bytes32 parentsHash_,
        bytes32 root
    ) external onlyRegistry returns (uint32 epoch) {
        Flow storage modelFlow = _flows[id];
        // Provisional means nothing ever left the model (no propagation, no claim), so every token's `pushed` and
        // `claimed` are zero and the whole `received` can be split anew; the registry keeps the epoch unchanged
        // while provisional, so `keptAtEpochStart` is zero too.
        if (!modelFlow.provisional) revert RevenueRouterNotProvisional(id);
        modelFlow.provisional = false;
        modelFlow.upstreamPpm = upstreamPpm;
        epoch = modelFlow.epoch;
        _parentsHashes[id] = parentsHash_;
        _roots[id][epoch] = root;
        emit FlowConfigured(id, upstreamPpm, parentsHash_, root);
        emit EpochRootSet(id, epoch, root);
        emit ProvisionCleared(id);
    }

    /// @inheritdoc IRevenueRouter
    function startEpoch(bytes32 id, bytes32 root) external onlyRegistry returns (uint32 epoch) {
        Flow storage modelFlow = _flows[id];
        epoch = modelFlow.epoch + 1;
        modelFlow.epoch = epoch;
        _roots[id][epoch] = root;
        emit EpochRootSet(id, epoch, root);
    }

    /// @inheritdoc IRevenueRouter
    function setStatus(
        bytes32 id,
        ModelStatus status,
        address beneficiary_,
        bytes32 beneficiaryRoot
    ) external onlyRegistry returns (uint32 epoch) {
        Flow storage modelFlow = _flows[id];
        bool replacing = modelFlow.status == ModelStatus.REVOKED;
        modelFlow.status = status;
        epoch = modelFlow.epoch;
        if (status == ModelStatus.REVOKED) {
            // The beneficiary gets a new epoch, except on an unassigned placeholder: there it takes over the
            // escrow epoch, which has no contributor set whose entries could be swept.
            // Kept as `+= 1`: `++epoch` compiles differently and moves the bench:gas figures docs/GAS.md reports.
            // solhint-disable-next-line gas-increment-by-one
            if (_roots[id][epoch] != bytes32(0)) epoch += 1;
            modelFlow.epoch = epoch;
            // A replaced beneficiary keeps the contested epoch where it was.
            if (!replacing) modelFlow.revokedEpoch = epoch;
            modelFlow.provisional = false;
            _roots[id][epoch] = beneficiaryRoot;
            _beneficiaries[id] = beneficiary_;
            emit EpochRootSet(id, epoch, beneficiaryRoot);
        }
        emit StatusUpdated(id, status, beneficiary_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRevenueRouter
    function registry() external view returns (address) {
        return _registry;
    }

    /// @inheritdoc IRevenueRouter
    function feePpm() external view returns (uint32) {
        return _config.feePpm;
    }

    /// @inheritdoc IRevenueRouter
    function treasury() external view returns (address) {
        return _config.treasury;
    }

    /// @inheritdoc IRevenueRouter
    function isTokenBlocked(address token) external view returns (bool) {
        return _tokenPolicies[token] == TokenPolicy.BLOCKED;
    }

    /// @inheritdoc IRevenueRouter
    function tokenPolicy(address token) external view returns (TokenPolicy) {
        return _tokenPolicies[token];
    }

    /// @inheritdoc IRevenueRouter
    function allowlistOnly() external view returns (bool) {
        return _config.allowlistOnly;
    }

    /// @inheritdoc IRevenueRouter
    function fees(address token) external view returns (uint256) {
        return _fees[token];
    }

    /// @inheritdoc IRevenueRouter
    function flow(bytes32 id) external view returns (Flow memory) {
        return _flows[id];
    }

    /// @inheritdoc IRevenueRouter
    function parentsHash(bytes32 id) external view returns (bytes32) {
        return _parentsHashes[id];
    }

    /// @inheritdoc IRevenueRouter
    function epochRoot(bytes32 id, uint32 epoch) external view returns (bytes32) {
        return _roots[id][epoch];
    }

    /// @inheritdoc IRevenueRouter
    function beneficiary(bytes32 id) external view returns (address) {
        return _beneficiaries[id];
    }

    /// @inheritdoc IRevenueRouter
    function modelBalance(bytes32 id, address token) external view returns (ModelBalance memory result) {
        uint256 received = _balances[id][token].received;
        uint256 upstream = SplitMath.upstreamOf(received, _flows[id].upstreamPpm);
        result = ModelBalance({
            received: received,
            upstream: upstream,
            pushed: _pushed[id][token],
            kept: received - upstream
        });
    }

    /// @inheritdoc IRevenueRouter
    function pendingUpstream(bytes32 id, address token) external view returns (uint256) {
        uint256 upstream = SplitMath.upstreamOf(_balances[id][token].received, _flows[id].upstreamPpm);
        return upstream - _pushed[id][token];
    }

    /// @inheritdoc IRevenueRouter
    function keptInEpoch(bytes32 id, address token, uint32 epoch) external view returns (uint256) {
        return _keptInEpoch(id, token, epoch, _flows[id].upstreamPpm);
    }

    /// @inheritdoc IRevenueRouter
    function claimed(bytes32 id, address token, uint32 epoch, uint32 cumulativeBefore) external view returns (uint256) {
        return _claimed[_entryKey(id, token, epoch, cumulativeBefore)];
    }

    /// @inheritdoc IRevenueRouter
    function claimable(address token, ContributorClaim calldata entry) external view returns (uint256) {
        Flow memory modelFlow = _flows[entry.modelId];
        if (modelFlow.status == ModelStatus.NONE) revert RevenueRouterUnknownModel(entry.modelId);
        uint256 owed = _entitlement(token, entry, modelFlow);
        if (!_claimOpen(modelFlow, entry.epoch)) return 0;
        uint256 already = _claimed[_entryKey(entry.modelId, token, entry.epoch, entry.cumulativeBefore)];
        return owed > already ? owed - already : 0;
    }

    /// @inheritdoc IRevenueRouter
    function previewPropagate(
        bytes32 id,
        address token,
        ParentEdge[] calldata parents
    ) external view returns (uint256[] memory amounts) {
        Flow memory modelFlow = _flows[id];
        if (modelFlow.status == ModelStatus.NONE) revert RevenueRouterUnknownModel(id);
        _checkParents(id, parents);
        if (modelFlow.provisional) return new uint256[](parents.length);
        uint256 upstream = SplitMath.upstreamOf(_balances[id][token].received, modelFlow.upstreamPpm);
        uint256 pushed = _pushed[id][token];
        if (parents.length == 0) return new uint256[](0);
        amounts = _parentShares(upstream, pushed, parents);
    }

    /// @inheritdoc IRevenueRouter
    function previewPay(uint256 amount) external view returns (uint256 fee, uint256 net) {
        if (amount > type(uint112).max) revert RevenueRouterAmountTooLarge(amount, type(uint112).max);
        fee = _feeOf(amount, _config.feePpm);
        net = amount - fee;
    }
}
