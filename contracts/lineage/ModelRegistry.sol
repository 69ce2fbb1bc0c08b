// SPDX-License-Identifier: MIT
// Stemma (contracts/lineage/ModelRegistry.sol)
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {ParentEdge, Contributor, Terms, ModelStatus, Role, PPM} from "../interfaces/StemmaTypes.sol";
import {LineageLib} from "../libraries/LineageLib.sol";

/**
 * @dev Implementation of {IModelRegistry}. Administrative powers are roles: {DISPUTE_MANAGER_ROLE} (bond size,
 * dispute resolution) and {PLACEHOLDER_ASSIGNER_ROLE}. The deployment hands them, and the default admin role, to
 * the stewardship DAO's timelock.
 *
 * NOTE: Only commitments are stored for contributor sets (a Merkle root per epoch, in the router) and parents (a
 * hash, in the router), which is what keeps registration at about 1.5k gas per extra contributor. The events
 * carry the full lists; metadata URI and license live in events only.
 */
contract ModelRegistry is IModelRegistry, AccessControl {
    bytes32 public constant DISPUTE_MANAGER_ROLE = keccak256("DISPUTE_MANAGER_ROLE");
    bytes32 public constant PLACEHOLDER_ASSIGNER_ROLE = keccak256("PLACEHOLDER_ASSIGNER_ROLE");

    /// @inheritdoc IModelRegistry
    uint256 public constant MAX_PARENTS = 16;
    /// @inheritdoc IModelRegistry
    uint256 public constant MAX_CONTRIBUTORS = 1000;

    IRevenueRouter private immutable _router;

    mapping(bytes32 id => Model) private _models;
    mapping(bytes32 id => address) private _pendingStewards;
    mapping(bytes32 id => uint256 disputeId) private _activeDisputes;
    mapping(uint256 disputeId => Dispute) private _disputes;
    uint256 private _disputeCount;
    uint256 private _disputeBond;

    modifier onlySteward(bytes32 id) {
        _checkSteward(id);
        _;
    }

    /**
     * @param admin Receives every role (the deployment moves them to the DAO's timelock).
     * @param revenueRouter The router this registry configures; it must bind this registry.
     * @param initialDisputeBond The bond a dispute needs, in wei.
     */
    constructor(address admin, IRevenueRouter revenueRouter, uint256 initialDisputeBond) {
        if (admin == address(0) || address(revenueRouter) == address(0)) revert ModelRegistryZeroAddress();
        _router = revenueRouter;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(DISPUTE_MANAGER_ROLE, admin);
        _grantRole(PLACEHOLDER_ASSIGNER_ROLE, admin);
        _setDisputeBond(initialDisputeBond);
    }

    // ---------------------------------------------------------------- registration

    /// @inheritdoc IModelRegistry
    function register(Registration calldata registration) external returns (bytes32 id) {
        id = _checkNewKey(registration.key);
        if (registration.steward == address(0)) revert ModelRegistryZeroAddress();
        _checkTerms(registration.terms);
        _checkLineage(registration.upstreamPpm, registration.parents, registration.expectedParentTerms);
        bytes32 root = _contributorsRoot(registration.contributors);
        _register(id, registration, root);
    }

    function _register(bytes32 id, Registration calldata registration, bytes32 root) private {
        _models[id] = Model({
            steward: registration.steward,
            status: ModelStatus.ACTIVE,
            upstreamPpm: registration.upstreamPpm,
            terms: registration.terms,
            weightsDigest: registration.weightsDigest
        });
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
        _router.configureModel(id, registration.upstreamPpm, keccak256(abi.encode(registration.parents)), root);
    }

    /// @inheritdoc IModelRegistry
    function registerPlaceholder(string calldata key) external returns (bytes32 id) {
        id = _checkNewKey(key);
        _models[id] = Model({
            steward: address(0),
            status: ModelStatus.ACTIVE,
            upstreamPpm: 0,
            terms: Terms({derivativesAllowed: true, minDerivativePpm: 0}),
            weightsDigest: bytes32(0)
        });
        emit PlaceholderRegistered(id, key, msg.sender);
        // Root zero: the escrow epoch, which {assignPlaceholder} fills in later.
        _router.configureModel(id, 0, keccak256(abi.encode(new ParentEdge[](0))), bytes32(0));
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
        uint32 epoch = _router.assignEscrow(id, root);
        _emitContributorsSet(id, epoch, root, contributors);
    }

    // ---------------------------------------------------------------- steward actions

    /// @inheritdoc IModelRegistry
    function setContributors(
        bytes32 id,
        Contributor[] calldata contributors
    ) external onlySteward(id) returns (uint32 epoch) {
        _checkActive(id);
        bytes32 root = _contributorsRoot(contributors);
        epoch = _router.startEpoch(id, root);
        _emitContributorsSet(id, epoch, root, contributors);
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
        _models[id].weightsDigest = weightsDigest;
        emit MetadataUpdated(id, weightsDigest, metadataURI, license);
    }

    /// @inheritdoc IModelRegistry
    function transferStewardship(bytes32 id, address newSteward) external onlySteward(id) {
        _pendingStewards[id] = newSteward;
        emit StewardshipTransferStarted(id, msg.sender, newSteward);
    }

    /// @inheritdoc IModelRegistry
    function acceptStewardship(bytes32 id) external {
        if (_pendingStewards[id] != msg.sender || msg.sender == address(0)) {
            revert ModelRegistryNotPendingSteward(id, msg.sender);
        }
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
        if (msg.value != _disputeBond) revert ModelRegistryWrongBond(msg.value, _disputeBond);
        disputeId = ++_disputeCount;
        _disputes[disputeId] = Dispute({
            modelId: id,
            disputer: msg.sender,
            // Fits: {setDisputeBond} caps the bond at 96 bits and msg.value equals it.
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
        Dispute storage record = _existingDispute(disputeId);
        if (record.outcome != DisputeOutcome.PENDING) revert ModelRegistryDisputeState(disputeId, record.outcome);
        bytes32 id = record.modelId;
        delete _activeDisputes[id];
        if (!upheld) {
            record.outcome = DisputeOutcome.DISMISSED;
            _models[id].status = ModelStatus.ACTIVE;
            emit DisputeResolved(disputeId, id, false, address(0));
            _router.setStatus(id, ModelStatus.ACTIVE, address(0), bytes32(0));
            return;
        }
        if (beneficiary == address(0)) revert ModelRegistryZeroAddress();
        record.outcome = DisputeOutcome.UPHELD;
        _models[id].status = ModelStatus.REVOKED;
        emit DisputeResolved(disputeId, id, true, beneficiary);
        bytes32 root = LineageLib.beneficiaryRoot(beneficiary);
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
    function _checkLineage(
        uint32 upstreamPpm,
        ParentEdge[] calldata parents,
        Terms[] calldata expectedTerms
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

    function _existing(bytes32 id) private view returns (Model storage record) {
        record = _models[id];
        if (record.status == ModelStatus.NONE) revert ModelRegistryUnknownModel(id);
    }

    function _existingDispute(uint256 disputeId) private view returns (Dispute storage record) {
        record = _disputes[disputeId];
        if (record.modelId == bytes32(0)) revert ModelRegistryUnknownDispute(disputeId);
    }
}
