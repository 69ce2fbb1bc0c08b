// SPDX-License-Identifier: MIT
// Stemma (contracts/lineage/ModelRegistry.sol)
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {ParentEdge, Contributor, Terms, ModelStatus, Role, PPM} from "../interfaces/StemmaTypes.sol";
import {LineageLib} from "../libraries/LineageLib.sol";

/**
 * @dev Implementation of {IModelRegistry}. Administrative powers are roles: {DISPUTE_MANAGER_ROLE} (bond size,
 * dispute resolution, reassignment, beneficiaries), {PLACEHOLDER_ASSIGNER_ROLE} (placeholders by vote),
 * {IDENTITY_MANAGER_ROLE} (attesters, threshold, time windows) and {GUARDIAN_ROLE} (dismissal only). The deployment
 * hands the first three, and the default admin role, to the stewardship DAO's timelock, which grants guardians.
 *
 * NOTE: Only commitments are stored for contributor sets (a Merkle root per epoch, in the router) and parents (a
 * hash, in the router), which is what keeps registration at about 1.5k gas per extra contributor. The events
 * carry the full lists; metadata URI and license live in events only.
 */
contract ModelRegistry is IModelRegistry, AccessControl, EIP712 {
    bytes32 public constant DISPUTE_MANAGER_ROLE = keccak256("DISPUTE_MANAGER_ROLE");
    bytes32 public constant PLACEHOLDER_ASSIGNER_ROLE = keccak256("PLACEHOLDER_ASSIGNER_ROLE");
    bytes32 public constant IDENTITY_MANAGER_ROLE = keccak256("IDENTITY_MANAGER_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    // The string is hashed at compile time: its length costs nothing at run time.
    bytes32 private constant _ATTESTATION_TYPEHASH = // solhint-disable-next-line gas-small-strings
    keccak256("Attestation(bytes32 modelId,address steward,bytes32 revision,uint32 nonce,uint64 deadline)");
    /// @dev Dismissals past this many stop doubling the bond (2^8 times the base is deterrent enough).
    uint8 private constant _MAX_BOND_DOUBLINGS = 8;
    /// @dev A placeholder's provisional window: it never ends by time.
    uint40 private constant _FOREVER = type(uint40).max;
    /// @dev The longest governed time window (about ten years): timestamps plus windows stay far inside uint40.
    uint40 private constant _MAX_PERIOD = 10 * 365 days;

    /// @inheritdoc IModelRegistry
    uint256 public constant MAX_PARENTS = 16;
    /// @inheritdoc IModelRegistry
    uint256 public constant MAX_CONTRIBUTORS = 1000;

    IRevenueRouter private immutable _router;

    mapping(bytes32 id => Model) private _models;
    mapping(bytes32 id => address) private _pendingStewards;
    mapping(bytes32 id => uint256 disputeId) private _activeDisputes;
    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(bytes32 id => Identity) private _identities;
    mapping(address account => bool) private _attesters;
    uint256 private _disputeCount;
    uint256 private _disputeBond;
    uint64 private _modelCount;
    uint8 private _attesterCount;
    uint8 private _attesterThreshold;
    TrustPeriods private _periods;

    modifier onlySteward(bytes32 id) {
        _checkSteward(id);
        _;
    }

    /**
     * @param admin Receives every role but {GUARDIAN_ROLE} (the deployment makes it the DAO's timelock).
     * @param revenueRouter The router this registry configures; it must bind this registry.
     * @param initialDisputeBond The base bond a dispute needs, in wei.
     * @param initialAttesters The first attesters (governance changes them later).
     * @param initialThreshold How many of their signatures a verification needs.
     * @param initialPeriods The first time windows.
     */
    constructor(
        address admin,
        IRevenueRouter revenueRouter,
        uint256 initialDisputeBond,
        address[] memory initialAttesters,
        uint8 initialThreshold,
        TrustPeriods memory initialPeriods
    ) EIP712("Stemma ModelRegistry", "1") {
        if (admin == address(0) || address(revenueRouter) == address(0)) revert ModelRegistryZeroAddress();
        _router = revenueRouter;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(DISPUTE_MANAGER_ROLE, admin);
        _grantRole(PLACEHOLDER_ASSIGNER_ROLE, admin);
        _grantRole(IDENTITY_MANAGER_ROLE, admin);
        _setDisputeBond(initialDisputeBond);
        for (uint256 i = 0; i < initialAttesters.length; ++i) _setAttester(initialAttesters[i], true);
        _setAttesterThreshold(initialThreshold);
        _setTrustPeriods(initialPeriods);
    }

    // ---------------------------------------------------------------- registration

    /// @inheritdoc IModelRegistry
    function register(Registration calldata registration) external returns (bytes32 id) {
        return _registerProvisional(registration);
    }

    /// @inheritdoc IModelRegistry
    function registerWithPlaceholders(
        Registration calldata registration,
        string[] calldata placeholderKeys
    ) external returns (bytes32 id) {
        _createParentPlaceholders(registration.parents, placeholderKeys);
        return _registerProvisional(registration);
    }

    /// @inheritdoc IModelRegistry
    function registerVerified(
        Registration calldata registration,
        string[] calldata placeholderKeys,
        VerificationProof calldata proof
    ) external returns (bytes32 id) {
        if (msg.sender != registration.steward)
            revert ModelRegistryNotAttestedSteward(registration.steward, msg.sender);
        _createParentPlaceholders(registration.parents, placeholderKeys);
        id = _register(registration, false);
        _recordVerification(id, registration.steward, proof);
    }

    /// @dev A registration without attestation; a provisional window of 0 turns provisional registration off.
    function _registerProvisional(Registration calldata registration) private returns (bytes32 id) {
        uint40 period = _periods.provisional;
        id = _register(registration, period != 0);
        if (period == 0) return id;
        uint40 until = uint40(block.timestamp) + period;
        _identities[id].provisionalUntil = until;
        emit ModelProvisional(id, until);
    }

    function _register(Registration calldata registration, bool provisional) private returns (bytes32 id) {
        id = _checkNewKey(registration.key);
        if (registration.steward == address(0)) revert ModelRegistryZeroAddress();
        _checkTerms(registration.terms);
        _checkLineage(registration.upstreamPpm, registration.parents, registration.expectedParentTerms, 0);
        bytes32 root = _contributorsRoot(registration.contributors);
        _models[id] = Model({
            steward: registration.steward,
            status: ModelStatus.ACTIVE,
            upstreamPpm: registration.upstreamPpm,
            terms: registration.terms,
            weightsDigest: registration.weightsDigest
        });
        _newIdentity(id);
        emit ModelRegistered(
            id,
            registration.key,
            registration.steward,
            registration.upstreamPpm,
            registration.parents,
            registration.terms,
            registration.weightsDigest,
            registration.metadataURI,
            registration.license
        );
        _emitContributorsSet(id, 0, root, registration.contributors);
        _router.configureModel(
            id,
            registration.upstreamPpm,
            keccak256(abi.encode(registration.parents)),
            root,
            provisional
        );
    }

    /// @dev Creates a placeholder for each key not registered yet; each must name one of `parents`.
    function _createParentPlaceholders(ParentEdge[] calldata parents, string[] calldata keys) private {
        for (uint256 i = 0; i < keys.length; ++i) {
            if (!LineageLib.isValidKey(keys[i])) revert ModelRegistryInvalidKey(keys[i]);
            bytes32 id = keccak256(bytes(keys[i]));
            bool named = false;
            for (uint256 j = 0; j < parents.length && !named; ++j) named = parents[j].parentId == id;
            if (!named) revert ModelRegistryPlaceholderNotParent(id);
            // A key registered meanwhile (by its authors, say) is simply used as it is.
            if (_models[id].status == ModelStatus.NONE) _registerPlaceholder(id, keys[i]);
        }
    }

    /// @inheritdoc IModelRegistry
    function registerPlaceholder(
        string calldata key
    ) external onlyRole(PLACEHOLDER_ASSIGNER_ROLE) returns (bytes32 id) {
        id = _checkNewKey(key);
        _registerPlaceholder(id, key);
    }

    function _registerPlaceholder(bytes32 id, string calldata key) private {
        _models[id] = Model({
            steward: address(0),
            status: ModelStatus.ACTIVE,
            upstreamPpm: 0,
            terms: Terms({derivativesAllowed: true, minDerivativePpm: 0}),
            weightsDigest: bytes32(0)
        });
        _newIdentity(id).provisionalUntil = _FOREVER;
        emit PlaceholderRegistered(id, key, msg.sender);
        // Root zero: the escrow epoch, which a claim or {assignPlaceholder} fills in later.
        _router.configureModel(id, 0, keccak256(abi.encode(new ParentEdge[](0))), bytes32(0), true);
    }

    function _newIdentity(bytes32 id) private returns (Identity storage identity_) {
        identity_ = _identities[id];
        identity_.serial = ++_modelCount;
        identity_.epochStartedAt = uint40(block.timestamp);
    }

    /// @inheritdoc IModelRegistry
    function assignPlaceholder(
        bytes32 id,
        address steward,
        Contributor[] calldata contributors
    ) external onlyRole(PLACEHOLDER_ASSIGNER_ROLE) {
        Model storage record = _existing(id);
        if (record.steward != address(0)) revert ModelRegistryNotPlaceholder(id);
        if (record.status != ModelStatus.ACTIVE) revert ModelRegistryModelNotActive(id, record.status);
        if (steward == address(0)) revert ModelRegistryZeroAddress();
        bytes32 root = _contributorsRoot(contributors);
        record.steward = steward;
        emit StewardshipTransferred(id, address(0), steward);
        _emitContributorsSet(id, _installSet(id, root), root, contributors);
    }

    // ---------------------------------------------------------------- identity

    /// @inheritdoc IModelRegistry
    function verify(bytes32 id, VerificationProof calldata proof) external {
        _checkActive(id);
        address steward = _models[id].steward;
        // A placeholder has no steward to verify: its authors claim it ({claimModel}).
        if (steward == address(0)) revert ModelRegistryStewardMismatch(id, steward);
        _recordVerification(id, steward, proof);
        Identity storage identity_ = _identities[id];
        if (identity_.provisionalUntil != 0) {
            identity_.provisionalUntil = 0;
            _router.clearProvisional(id);
        }
    }

    /// @inheritdoc IModelRegistry
    function claimModel(
        bytes32 id,
        Contributor[] calldata contributors,
        bool correctLineage,
        Lineage calldata lineage,
        VerificationProof calldata proof
    ) external {
        Model storage record = _existing(id);
        if (record.status != ModelStatus.ACTIVE) revert ModelRegistryModelNotActive(id, record.status);
        bytes32 root = _contributorsRoot(contributors);
        address previous = record.steward;
        if (previous != msg.sender) {
            record.steward = msg.sender;
            delete _pendingStewards[id];
            emit StewardshipTransferred(id, previous, msg.sender);
        }
        uint32 epoch;
        if (correctLineage) {
            epoch = _correctLineage(id, record, lineage, root);
        } else {
            epoch = _installSet(id, root);
        }
        _emitContributorsSet(id, epoch, root, contributors);
        _recordVerification(id, msg.sender, proof);
    }

    /// @dev A verified claimant's lineage replaces a provisional model's, with its set: nothing has moved yet.
    function _correctLineage(
        bytes32 id,
        Model storage record,
        Lineage calldata lineage,
        bytes32 root
    ) private returns (uint32) {
        Identity storage identity_ = _identities[id];
        if (identity_.provisionalUntil == 0) revert ModelRegistryLineageLocked(id);
        _checkLineage(lineage.upstreamPpm, lineage.parents, lineage.expectedParentTerms, identity_.serial);
        identity_.provisionalUntil = 0;
        identity_.epochStartedAt = uint40(block.timestamp);
        record.upstreamPpm = lineage.upstreamPpm;
        emit LineageCorrected(id, lineage.upstreamPpm, lineage.parents);
        return _router.settleProvisional(id, lineage.upstreamPpm, keccak256(abi.encode(lineage.parents)), root);
    }

    /// @inheritdoc IModelRegistry
    function endProvisional(bytes32 id) external {
        _checkActive(id);
        Model storage record = _models[id];
        Identity storage identity_ = _identities[id];
        uint40 until = identity_.provisionalUntil;
        // A placeholder waits for its authors for ever (`_FOREVER`); no steward could take its funds anyway.
        if (until == 0 || until == _FOREVER || block.timestamp < until || record.steward == address(0)) {
            revert ModelRegistryNotEndable(id, until);
        }
        identity_.provisionalUntil = 0;
        emit ProvisionEnded(id);
        _router.clearProvisional(id);
    }

    /// @dev Checks an attestation that `steward` stewards `id` and records it: verified, nonce used.
    function _recordVerification(bytes32 id, address steward, VerificationProof calldata proof) private {
        Identity storage identity_ = _identities[id];
        uint32 nonce = identity_.nonce;
        _checkAttestation(id, steward, nonce, proof);
        identity_.nonce = nonce + 1;
        identity_.verified = true;
        emit ModelVerified(id, steward, proof.revision, nonce);
    }

    function _checkAttestation(
        bytes32 id,
        address steward,
        uint32 nonce,
        VerificationProof calldata proof
    ) private view {
        if (block.timestamp > proof.deadline) revert ModelRegistryAttestationExpired(proof.deadline);
        bytes32 digest = _attestationDigest(id, steward, proof.revision, nonce, proof.deadline);
        uint256 threshold = _attesterThreshold;
        uint256 count = proof.signatures.length;
        if (threshold == 0 || count < threshold) revert ModelRegistryNotEnoughAttestations(count, threshold);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            (address signer, ECDSA.RecoverError failure, ) = ECDSA.tryRecover(digest, proof.signatures[i]);
            // Ascending order makes each signer count once.
            // solhint-disable-next-line gas-strict-inequalities
            if (failure != ECDSA.RecoverError.NoError || signer <= previous || !_attesters[signer]) {
                revert ModelRegistryInvalidAttestation(i);
            }
            previous = signer;
        }
    }

    function _attestationDigest(
        bytes32 id,
        address steward,
        bytes32 revision,
        uint32 nonce,
        uint64 deadline
    ) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_ATTESTATION_TYPEHASH, id, steward, revision, nonce, deadline)));
    }

    // ---------------------------------------------------------------- steward actions

    /// @inheritdoc IModelRegistry
    function setContributors(
        bytes32 id,
        Contributor[] calldata contributors
    ) external onlySteward(id) returns (uint32 epoch) {
        return _rotate(id, contributors);
    }

    /// @inheritdoc IModelRegistry
    function rotateContributors(
        bytes32 id,
        Contributor[] calldata contributors,
        IRevenueRouter.Propagation[] calldata children
    ) external onlySteward(id) returns (uint32 epoch) {
        _router.propagateBatch(children);
        return _rotate(id, contributors);
    }

    /// @dev A steward's new contributor set: `ACTIVE` and not provisional (a provisional model's epoch 0 is the one
    /// a verified claimant may still replace).
    function _rotate(bytes32 id, Contributor[] calldata contributors) private returns (uint32 epoch) {
        _checkActive(id);
        _checkNotProvisional(id);
        bytes32 root = _contributorsRoot(contributors);
        epoch = _startEpoch(id, root);
        _emitContributorsSet(id, epoch, root, contributors);
    }

    /// @inheritdoc IModelRegistry
    function renewEpoch(bytes32 id, Contributor[] calldata contributors) external returns (uint32 epoch) {
        _checkActive(id);
        _checkNotProvisional(id);
        uint256 from = uint256(_identities[id].epochStartedAt) + _periods.epochRenewal;
        bytes32 root = _contributorsRoot(contributors);
        IRevenueRouter.Flow memory modelFlow = _router.flow(id);
        if (block.timestamp < from || root != _router.epochRoot(id, modelFlow.epoch)) {
            revert ModelRegistryEpochNotRenewable(id, from);
        }
        epoch = _startEpoch(id, root);
        _emitContributorsSet(id, epoch, root, contributors);
    }

    function _startEpoch(bytes32 id, bytes32 root) private returns (uint32 epoch) {
        _identities[id].epochStartedAt = uint40(block.timestamp);
        return _router.startEpoch(id, root);
    }

    /// @inheritdoc IModelRegistry
    function setTerms(bytes32 id, Terms calldata terms) external onlySteward(id) {
        _checkActive(id);
        _checkTerms(terms);
        _models[id].terms = terms;
        emit TermsUpdated(id, terms);
    }

    /// @inheritdoc IModelRegistry
    function setMetadata(
        bytes32 id,
        bytes32 weightsDigest,
        string calldata metadataURI,
        string calldata license
    ) external onlySteward(id) {
        _checkNotFrozen(id);
        _models[id].weightsDigest = weightsDigest;
        emit MetadataUpdated(id, weightsDigest, metadataURI, license);
    }

    /// @inheritdoc IModelRegistry
    function transferStewardship(bytes32 id, address newSteward) external onlySteward(id) {
        _checkNotFrozen(id);
        _pendingStewards[id] = newSteward;
        emit StewardshipTransferStarted(id, msg.sender, newSteward);
    }

    /// @inheritdoc IModelRegistry
    function acceptStewardship(bytes32 id) external {
        if (_pendingStewards[id] != msg.sender || msg.sender == address(0)) {
            revert ModelRegistryNotPendingSteward(id, msg.sender);
        }
        _checkNotFrozen(id);
        Model storage record = _models[id];
        address previous = record.steward;
        record.steward = msg.sender;
        delete _pendingStewards[id];
        emit StewardshipTransferred(id, previous, msg.sender);
    }

    // ---------------------------------------------------------------- disputes

    /// @inheritdoc IModelRegistry
    function raiseDispute(bytes32 id, bytes32 evidenceHash) external payable returns (uint256 disputeId) {
        _checkActive(id);
        uint256 until = _identities[id].disputeCooldownUntil;
        if (block.timestamp < until) revert ModelRegistryDisputeCooldown(id, until);
        uint256 bond = _bondFor(id);
        if (msg.value != bond) revert ModelRegistryWrongBond(msg.value, bond);
        disputeId = ++_disputeCount;
        _disputes[disputeId] = Dispute({
            modelId: id,
            disputer: msg.sender,
            // Fits: {_bondFor} reverts above 96 bits and msg.value equals it.
            bond: uint96(msg.value),
            outcome: DisputeOutcome.PENDING,
            bondWithdrawn: false,
            evidenceHash: evidenceHash
        });
        _activeDisputes[id] = disputeId;
        _models[id].status = ModelStatus.DISPUTED;
        emit DisputeRaised(disputeId, id, msg.sender, evidenceHash, msg.value);
        _router.setStatus(id, ModelStatus.DISPUTED, address(0), bytes32(0));
    }

    /// @inheritdoc IModelRegistry
    function resolveDispute(
        uint256 disputeId,
        bool upheld,
        address beneficiary
    ) external onlyRole(DISPUTE_MANAGER_ROLE) {
        Dispute storage record = _pendingDispute(disputeId);
        if (!upheld) return _dismiss(disputeId, record);
        if (beneficiary == address(0)) revert ModelRegistryZeroAddress();
        bytes32 id = record.modelId;
        delete _activeDisputes[id];
        record.outcome = DisputeOutcome.UPHELD;
        _models[id].status = ModelStatus.REVOKED;
        _identities[id].provisionalUntil = 0;
        emit DisputeResolved(disputeId, id, true, beneficiary);
        _startBeneficiaryEpoch(id, beneficiary);
    }

    /// @inheritdoc IModelRegistry
    function dismissDispute(uint256 disputeId) external onlyRole(GUARDIAN_ROLE) {
        _dismiss(disputeId, _pendingDispute(disputeId));
    }

    function _dismiss(uint256 disputeId, Dispute storage record) private {
        bytes32 id = record.modelId;
        delete _activeDisputes[id];
        record.outcome = DisputeOutcome.DISMISSED;
        _models[id].status = ModelStatus.ACTIVE;
        Identity storage identity_ = _identities[id];
        uint40 cooldownEnd = uint40(block.timestamp) + _periods.disputeCooldown;
        identity_.disputeCooldownUntil = cooldownEnd;
        if (identity_.dismissedDisputes < _MAX_BOND_DOUBLINGS) ++identity_.dismissedDisputes;
        emit DisputeResolved(disputeId, id, false, address(0));
        // A dispute blocks claims by the rightful steward; a squatter must not run out the provisional window behind
        // one, so the window lasts at least through the cool-down, when no new dispute can be raised.
        uint40 until = identity_.provisionalUntil;
        if (until != 0 && until != _FOREVER && until < cooldownEnd) {
            identity_.provisionalUntil = cooldownEnd;
            emit ModelProvisional(id, cooldownEnd);
        }
        _router.setStatus(id, ModelStatus.ACTIVE, address(0), bytes32(0));
    }

    /// @inheritdoc IModelRegistry
    function reassign(
        bytes32 id,
        address steward,
        Contributor[] calldata contributors
    ) external onlyRole(DISPUTE_MANAGER_ROLE) {
        Model storage record = _existing(id);
        if (record.status == ModelStatus.REVOKED) revert ModelRegistryModelNotActive(id, record.status);
        if (steward == address(0)) revert ModelRegistryZeroAddress();
        bytes32 root = _contributorsRoot(contributors);
        if (record.status == ModelStatus.DISPUTED) _upholdByReassignment(id, record);
        address previous = record.steward;
        record.steward = steward;
        delete _pendingStewards[id];
        emit StewardshipTransferred(id, previous, steward);
        emit ModelReassigned(id, steward);
        _emitContributorsSet(id, _installSet(id, root), root, contributors);
    }

    /// @dev Upholds the pending dispute on a model being reassigned: the bond returns to the disputer and the model,
    /// under its new steward, is `ACTIVE` again.
    function _upholdByReassignment(bytes32 id, Model storage record) private {
        uint256 disputeId = _activeDisputes[id];
        delete _activeDisputes[id];
        _disputes[disputeId].outcome = DisputeOutcome.UPHELD;
        record.status = ModelStatus.ACTIVE;
        emit DisputeResolved(disputeId, id, true, address(0));
        _router.setStatus(id, ModelStatus.ACTIVE, address(0), bytes32(0));
    }

    /// @dev Puts a new set in force for a model taken over with its lineage unchanged: a provisional model's
    /// current set is replaced (nothing has moved), any other's is followed by a new epoch. Returns the epoch.
    function _installSet(bytes32 id, bytes32 root) private returns (uint32 epoch) {
        Identity storage identity_ = _identities[id];
        if (identity_.provisionalUntil == 0) return _startEpoch(id, root);
        identity_.provisionalUntil = 0;
        identity_.epochStartedAt = uint40(block.timestamp);
        return _router.settleProvisional(id, _models[id].upstreamPpm, _router.parentsHash(id), root);
    }

    /// @inheritdoc IModelRegistry
    function replaceBeneficiary(bytes32 id, address beneficiary) external onlyRole(DISPUTE_MANAGER_ROLE) {
        ModelStatus status = _existing(id).status;
        if (status != ModelStatus.REVOKED) revert ModelRegistryModelNotActive(id, status);
        if (beneficiary == address(0)) revert ModelRegistryZeroAddress();
        emit BeneficiaryReplaced(id, _router.beneficiary(id), beneficiary);
        _startBeneficiaryEpoch(id, beneficiary);
    }

    /// @dev Revokes `id` for `beneficiary`, or replaces a revoked model's beneficiary: a new epoch whose only
    /// contributor is the beneficiary.
    function _startBeneficiaryEpoch(bytes32 id, address beneficiary) private {
        bytes32 root = LineageLib.beneficiaryRoot(beneficiary);
        _identities[id].epochStartedAt = uint40(block.timestamp);
        uint32 epoch = _router.setStatus(id, ModelStatus.REVOKED, beneficiary, root);
        Contributor[] memory entries = new Contributor[](1);
        entries[0] = Contributor({account: beneficiary, role: Role.OTHER, weightPpm: PPM});
        emit ContributorsSet(id, epoch, root, entries);
    }

    /// @inheritdoc IModelRegistry
    function withdrawBond(uint256 disputeId) external {
        Dispute storage record = _existingDispute(disputeId);
        DisputeOutcome outcome = record.outcome;
        if (outcome == DisputeOutcome.PENDING) revert ModelRegistryDisputeState(disputeId, outcome);
        if (record.bondWithdrawn) revert ModelRegistryBondAlreadyWithdrawn(disputeId);
        record.bondWithdrawn = true;
        address recipient = outcome == DisputeOutcome.UPHELD ? record.disputer : _router.treasury();
        uint256 amount = record.bond;
        emit DisputeBondWithdrawn(disputeId, recipient, amount);
        Address.sendValue(payable(recipient), amount);
    }

    /// @inheritdoc IModelRegistry
    function setDisputeBond(uint256 bond) external onlyRole(DISPUTE_MANAGER_ROLE) {
        _setDisputeBond(bond);
    }

    function _setDisputeBond(uint256 bond) private {
        if (bond > type(uint96).max) revert ModelRegistryBondTooLarge(bond);
        _disputeBond = bond;
        emit DisputeBondUpdated(bond);
    }

    /// @dev The base bond doubled per dismissed dispute on the model.
    function _bondFor(bytes32 id) private view returns (uint256 bond) {
        bond = _disputeBond << _identities[id].dismissedDisputes;
        if (bond > type(uint96).max) revert ModelRegistryBondTooLarge(bond);
    }

    /// @inheritdoc IModelRegistry
    function setAttester(address attester, bool appointed) external onlyRole(IDENTITY_MANAGER_ROLE) {
        _setAttester(attester, appointed);
        // Removing an attester must not leave a threshold no set of attesters can meet.
        if (_attesterThreshold > _attesterCount) _setAttesterThreshold(_attesterCount);
    }

    /// @inheritdoc IModelRegistry
    function setAttesterThreshold(uint8 threshold) external onlyRole(IDENTITY_MANAGER_ROLE) {
        _setAttesterThreshold(threshold);
    }

    /// @inheritdoc IModelRegistry
    function setTrustPeriods(TrustPeriods calldata periods) external onlyRole(IDENTITY_MANAGER_ROLE) {
        _setTrustPeriods(periods);
    }

    function _setAttester(address attester, bool appointed) private {
        if (attester == address(0)) revert ModelRegistryZeroAddress();
        if (_attesters[attester] == appointed) return;
        _attesters[attester] = appointed;
        if (appointed) ++_attesterCount;
        else --_attesterCount;
        emit AttesterUpdated(attester, appointed);
    }

    function _setAttesterThreshold(uint8 threshold) private {
        uint8 count = _attesterCount;
        if (threshold > count || (threshold == 0 && count != 0)) revert ModelRegistryInvalidThreshold(threshold, count);
        _attesterThreshold = threshold;
        emit AttesterThresholdUpdated(threshold);
    }

    function _setTrustPeriods(TrustPeriods memory periods) private {
        uint40 longest = periods.provisional;
        if (periods.disputeCooldown > longest) longest = periods.disputeCooldown;
        if (periods.epochRenewal > longest) longest = periods.epochRenewal;
        if (longest > _MAX_PERIOD) revert ModelRegistryPeriodTooLong(longest, _MAX_PERIOD);
        _periods = periods;
        emit TrustPeriodsUpdated(periods);
    }

    /// @dev Emits {ContributorsSet} for a validated calldata list.
    function _emitContributorsSet(bytes32 id, uint32 epoch, bytes32 root, Contributor[] calldata contributors) private {
        bytes32 topic = ContributorsSet.selector;
        // Gas: a calldata `Contributor[]` is its length followed by three words per entry, which is the event
        // data's layout after `root` and the array's offset, so it is copied instead of re-encoded entry by entry
        // (about 250 gas per contributor). Every field was read, and so validated, by {_contributorsRoot}.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let size := mul(contributors.length, 0x60)
            mstore(ptr, root)
            mstore(add(ptr, 0x20), 0x40)
            mstore(add(ptr, 0x40), contributors.length)
            calldatacopy(add(ptr, 0x60), contributors.offset, size)
            log3(ptr, add(size, 0x60), topic, id, and(epoch, 0xffffffff))
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IModelRegistry
    function router() external view returns (address) {
        return address(_router);
    }

    /// @inheritdoc IModelRegistry
    function model(bytes32 id) external view returns (Model memory) {
        return _models[id];
    }

    /// @inheritdoc IModelRegistry
    function pendingSteward(bytes32 id) external view returns (address) {
        return _pendingStewards[id];
    }

    /// @inheritdoc IModelRegistry
    function disputeBond() external view returns (uint256) {
        return _disputeBond;
    }

    /// @inheritdoc IModelRegistry
    function disputeBondFor(bytes32 id) external view returns (uint256) {
        return _bondFor(id);
    }

    /// @inheritdoc IModelRegistry
    function identity(bytes32 id) external view returns (Identity memory) {
        return _identities[id];
    }

    /// @inheritdoc IModelRegistry
    function isAttester(address account) external view returns (bool) {
        return _attesters[account];
    }

    /// @inheritdoc IModelRegistry
    function attesterThreshold() external view returns (uint8) {
        return _attesterThreshold;
    }

    /// @inheritdoc IModelRegistry
    function trustPeriods() external view returns (TrustPeriods memory) {
        return _periods;
    }

    /// @inheritdoc IModelRegistry
    function attestationDigest(
        bytes32 id,
        address steward,
        bytes32 revision,
        uint32 nonce,
        uint64 deadline
    ) external view returns (bytes32) {
        return _attestationDigest(id, steward, revision, nonce, deadline);
    }

    /// @inheritdoc IModelRegistry
    function dispute(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @inheritdoc IModelRegistry
    function activeDispute(bytes32 id) external view returns (uint256) {
        return _activeDisputes[id];
    }

    /// @inheritdoc IModelRegistry
    function modelId(string calldata key) external pure returns (bytes32) {
        if (!LineageLib.isValidKey(key)) revert ModelRegistryInvalidKey(key);
        return keccak256(bytes(key));
    }

    // ---------------------------------------------------------------- checks

    function _checkNewKey(string calldata key) private view returns (bytes32 id) {
        if (!LineageLib.isValidKey(key)) revert ModelRegistryInvalidKey(key);
        id = keccak256(bytes(key));
        if (_models[id].status != ModelStatus.NONE) revert ModelRegistryIdTaken(id);
    }

    function _checkTerms(Terms calldata terms) private pure {
        if (terms.minDerivativePpm > PPM) revert ModelRegistryShareTooHigh(terms.minDerivativePpm, PPM);
    }

    /// @dev Every rule of SPEC.md on parents: count, weights, existence, status, terms and the front-running guard.
    /// `olderThan` is 0 at registration (every parent exists, so is older) or, for a correction, the model's serial:
    /// every parent must have been registered before it, so that no correction can close a cycle.
    function _checkLineage(
        uint32 upstreamPpm,
        ParentEdge[] calldata parents,
        Terms[] calldata expectedTerms,
        uint64 olderThan
    ) private view {
        uint256 count = parents.length;
        if (count > MAX_PARENTS) revert ModelRegistryTooManyParents(count, MAX_PARENTS);
        if (upstreamPpm > PPM) revert ModelRegistryShareTooHigh(upstreamPpm, PPM);
        if (expectedTerms.length != count) revert ModelRegistryParentTermsLength(count, expectedTerms.length);
        if (count == 0) {
            if (upstreamPpm != 0) revert ModelRegistryUpstreamWithoutParents(upstreamPpm);
            return;
        }
        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            ParentEdge calldata edge = parents[i];
            if (edge.weightPpm == 0) revert ModelRegistryZeroWeight(i);
            total += edge.weightPpm;
            // Quadratic, but bounded by MAX_PARENTS (at most 120 comparisons).
            for (uint256 j = 0; j < i; ++j) {
                if (parents[j].parentId == edge.parentId) revert ModelRegistryDuplicateParent(edge.parentId);
            }
            _checkParent(edge, upstreamPpm, expectedTerms[i]);
            // solhint-disable-next-line gas-strict-inequalities
            if (olderThan != 0 && _identities[edge.parentId].serial >= olderThan) {
                revert ModelRegistryParentNotOlder(edge.parentId);
            }
        }
        if (total != PPM) revert ModelRegistryWeightsSum(total, PPM);
    }

    function _checkParent(ParentEdge calldata edge, uint32 upstreamPpm, Terms calldata expected) private view {
        Model storage parent = _models[edge.parentId];
        ModelStatus status = parent.status;
        if (status == ModelStatus.NONE) revert ModelRegistryUnknownParent(edge.parentId);
        if (status == ModelStatus.REVOKED) revert ModelRegistryParentRevoked(edge.parentId);
        Terms memory terms = parent.terms;
        if (
            terms.derivativesAllowed != expected.derivativesAllowed ||
            terms.minDerivativePpm != expected.minDerivativePpm
        ) revert ModelRegistryParentTermsChanged(edge.parentId);
        if (!terms.derivativesAllowed) revert ModelRegistryDerivativesNotAllowed(edge.parentId);
        uint256 provided = uint256(upstreamPpm) * edge.weightPpm;
        uint256 required = uint256(terms.minDerivativePpm) * PPM;
        if (provided < required) revert ModelRegistryParentTermsViolated(edge.parentId, provided, required);
    }

    /// @dev Validates a contributor set and returns its Merkle root (see {ContributorClaim} for the leaf).
    function _contributorsRoot(Contributor[] calldata contributors) private pure returns (bytes32) {
        uint256 count = contributors.length;
        if (count == 0 || count > MAX_CONTRIBUTORS) revert ModelRegistryContributorCount(count, MAX_CONTRIBUTORS);
        bytes32[] memory leaves = new bytes32[](count);
        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            Contributor calldata entry = contributors[i];
            if (entry.account == address(0)) revert ModelRegistryZeroAddress();
            if (entry.weightPpm == 0) revert ModelRegistryZeroWeight(i);
            // `total` stays at most PPM before each cast, so it fits in uint32.
            leaves[i] = LineageLib.contributorLeaf(entry.account, entry.role, entry.weightPpm, uint32(total));
            total += entry.weightPpm;
            if (total > PPM) revert ModelRegistryWeightsSum(total, PPM);
        }
        if (total != PPM) revert ModelRegistryWeightsSum(total, PPM);
        return LineageLib.merkleRoot(leaves);
    }

    function _checkSteward(bytes32 id) private view {
        address steward = _existing(id).steward;
        if (steward != msg.sender) revert ModelRegistryNotSteward(id, msg.sender);
    }

    function _checkActive(bytes32 id) private view {
        ModelStatus status = _existing(id).status;
        if (status != ModelStatus.ACTIVE) revert ModelRegistryModelNotActive(id, status);
    }

    /// @dev Metadata and stewardship stay as they are while a dispute or revocation stands.
    function _checkNotFrozen(bytes32 id) private view {
        ModelStatus status = _models[id].status;
        if (status == ModelStatus.DISPUTED || status == ModelStatus.REVOKED) {
            revert ModelRegistryModelNotActive(id, status);
        }
    }

    function _checkNotProvisional(bytes32 id) private view {
        uint256 until = _identities[id].provisionalUntil;
        if (until != 0) revert ModelRegistryProvisional(id, until);
    }

    function _existing(bytes32 id) private view returns (Model storage record) {
        record = _models[id];
        if (record.status == ModelStatus.NONE) revert ModelRegistryUnknownModel(id);
    }

    function _existingDispute(uint256 disputeId) private view returns (Dispute storage record) {
        record = _disputes[disputeId];
        if (record.modelId == bytes32(0)) revert ModelRegistryUnknownDispute(disputeId);
    }

    function _pendingDispute(uint256 disputeId) private view returns (Dispute storage record) {
        record = _existingDispute(disputeId);
        if (record.outcome != DisputeOutcome.PENDING) revert ModelRegistryDisputeState(disputeId, record.outcome);
    }
}
