// SPDX-License-Identifier: MIT
// Stemma (contracts/interfaces/IModelRegistry.sol)
pragma solidity ^0.8.24;

import {ParentEdge, Contributor, Terms, ModelStatus} from "./StemmaTypes.sol";

/**
 * @dev The lineage of open models: who a model was built from, who stewards it, who contributed to it and what it
 * asks of its derivatives. Money never sits here (except dispute bonds): the {IRevenueRouter} settles revenue, and
 * this registry tells it the parts of a model that revenue depends on (upstream share, parents, contributor sets,
 * status).
 *
 * A model's id is `keccak256(bytes(key))` for a canonical key such as `hf:meta-llama/Llama-3.1-8B`, so a derivative
 * can name a parent whose authors have not registered yet: anyone can register that parent as an unclaimed
 * placeholder, which the administrators later assign to its real authors.
 *
 * Lineage (parents, upstream share) is fixed at registration, so the graph is acyclic by construction. Contributors
 * and terms can change; every contributor change starts a new epoch in the router.
 *
 * Only a Merkle root of each contributor set is stored; {ContributorsSet} emits every entry so that readers can
 * rebuild the set and the proofs that claims need.
 */
interface IModelRegistry {
    /// @dev Everything a registration states. `expectedParentTerms[i]` are the terms the registrant saw for
    /// `parents[i]`: the registration reverts if the parent changed them since (no front-running of a child).
    struct Registration {
        string key;
        address steward;
        uint32 upstreamPpm;
        ParentEdge[] parents;
        Terms[] expectedParentTerms;
        Contributor[] contributors;
        Terms terms;
        bytes32 weightsDigest;
        string metadataURI;
        string license;
    }

    /// @dev The stored part of a model. `steward == address(0)` marks an unclaimed placeholder.
    struct Model {
        address steward;
        ModelStatus status;
        uint32 upstreamPpm;
        Terms terms;
        bytes32 weightsDigest;
    }

    /// @dev What a dispute ended as.
    enum DisputeOutcome {
        PENDING,
        DISMISSED,
        UPHELD
    }

    struct Dispute {
        bytes32 modelId;
        address disputer;
        uint96 bond;
        DisputeOutcome outcome;
        bool bondWithdrawn;
        bytes32 evidenceHash;
    }

    // ---------------------------------------------------------------- errors

    /// @dev Thrown when a key is empty, longer than 128 bytes, or holds a byte outside printable ASCII (0x20-0x7e).
    error ModelRegistryInvalidKey(string key);
    /// @dev Thrown when a model with this id (or a placeholder for it) already exists.
    error ModelRegistryIdTaken(bytes32 id);
    /// @dev Thrown when no model has this id.
    error ModelRegistryUnknownModel(bytes32 id);
    /// @dev Thrown when an address that must be set is zero (a steward, a contributor, a beneficiary).
    error ModelRegistryZeroAddress();
    /// @dev Thrown when a model names more parents than allowed.
    error ModelRegistryTooManyParents(uint256 count, uint256 max);
    /// @dev Thrown when a contributor set is empty or longer than allowed.
    error ModelRegistryContributorCount(uint256 count, uint256 max);
    /// @dev Thrown when `expectedParentTerms` does not have one entry per parent.
    error ModelRegistryParentTermsLength(uint256 parents, uint256 expectedTerms);
    /// @dev Thrown when the same parent is listed twice.
    error ModelRegistryDuplicateParent(bytes32 parentId);
    /// @dev Thrown when a parent is not registered (register a placeholder for it first).
    error ModelRegistryUnknownParent(bytes32 parentId);
    /// @dev Thrown when a parent has been revoked.
    error ModelRegistryParentRevoked(bytes32 parentId);
    /// @dev Thrown when a parent does not allow derivatives.
    error ModelRegistryDerivativesNotAllowed(bytes32 parentId);
    /// @dev Thrown when a parent's terms differ from those the registrant expected.
    error ModelRegistryParentTermsChanged(bytes32 parentId);
    /// @dev Thrown when `upstreamPpm * weightPpm < minDerivativePpm * PPM` for a parent.
    error ModelRegistryParentTermsViolated(bytes32 parentId, uint256 providedPpm2, uint256 requiredPpm2);
    /// @dev Thrown when a model without parents declares an upstream share.
    error ModelRegistryUpstreamWithoutParents(uint32 upstreamPpm);
    /// @dev Thrown when a share is above PPM.
    error ModelRegistryShareTooHigh(uint256 share, uint256 max);
    /// @dev Thrown when an edge or contributor weight is zero.
    error ModelRegistryZeroWeight(uint256 index);
    /// @dev Thrown when weights do not add up to PPM.
    error ModelRegistryWeightsSum(uint256 total, uint256 expected);
    /// @dev Thrown when the caller is not the model's steward.
    error ModelRegistryNotSteward(bytes32 id, address caller);
    /// @dev Thrown when the caller is not the pending steward of the model.
    error ModelRegistryNotPendingSteward(bytes32 id, address caller);
    /// @dev Thrown when a change needs an `ACTIVE` model.
    error ModelRegistryModelNotActive(bytes32 id, ModelStatus status);
    /// @dev Thrown when a placeholder operation meets a model that is not an unclaimed placeholder.
    error ModelRegistryNotPlaceholder(bytes32 id);
    /// @dev Thrown when a dispute bond is not exactly the required amount.
    error ModelRegistryWrongBond(uint256 sent, uint256 required);
    /// @dev Thrown when a dispute bond is above what a dispute can hold.
    error ModelRegistryBondTooLarge(uint256 bond);
    /// @dev Thrown when no dispute has this id.
    error ModelRegistryUnknownDispute(uint256 disputeId);
    /// @dev Thrown when a dispute is resolved twice, or its bond is withdrawn before resolution.
    error ModelRegistryDisputeState(uint256 disputeId, DisputeOutcome outcome);
    /// @dev Thrown when a dispute's bond is withdrawn twice.
    error ModelRegistryBondAlreadyWithdrawn(uint256 disputeId);

    // ---------------------------------------------------------------- events

    /// @dev Emitted when a model is registered. Its first contributor set follows in {ContributorsSet} (epoch 0).
    /// @param id keccak256 of `key`.
    /// @param key The canonical key.
    /// @param steward The address that manages the model.
    /// @param upstreamPpm The share of the model's revenue that flows to its parents.
    /// @param parents The lineage edges, in slice order.
    /// @param terms What the model asks of its derivatives.
    /// @param weightsDigest A digest of the weight files' manifest.
    /// @param metadataURI Where the model card lives.
    /// @param license An SPDX expression or `LicenseRef-...`.
    event ModelRegistered(
        bytes32 indexed id,
        string key,
        address indexed steward,
        uint32 upstreamPpm,
        ParentEdge[] parents,
        Terms terms,
        bytes32 weightsDigest,
        string metadataURI,
        string license
    );

    /// @dev Emitted when anyone registers an unclaimed placeholder: no steward, no parents, no contributors (its kept
    /// share accrues in escrow), derivatives allowed with no minimum.
    event PlaceholderRegistered(bytes32 indexed id, string key, address indexed registrant);

    /// @dev Emitted when a contributor set takes effect for `epoch`. Every entry is listed, in slice order.
    /// @param id The model.
    /// @param epoch The epoch the set governs (funds that arrive while it is current).
    /// @param root The Merkle root the router stores for the epoch.
    /// @param contributors The entries, in slice order.
    event ContributorsSet(bytes32 indexed id, uint32 indexed epoch, bytes32 root, Contributor[] contributors);

    /// @dev Emitted when a model's terms for derivatives change.
    event TermsUpdated(bytes32 indexed id, Terms terms);

    /// @dev Emitted when a model's metadata changes.
    event MetadataUpdated(bytes32 indexed id, bytes32 weightsDigest, string metadataURI, string license);

    /// @dev Emitted when a steward offers the model to `pendingSteward`.
    event StewardshipTransferStarted(bytes32 indexed id, address indexed steward, address indexed pendingSteward);

    /// @dev Emitted when a model's steward changes (transfer accepted, or placeholder assigned).
    event StewardshipTransferred(bytes32 indexed id, address indexed previousSteward, address indexed newSteward);

    /// @dev Emitted when a dispute freezes a model.
    event DisputeRaised(
        uint256 indexed disputeId,
        bytes32 indexed modelId,
        address indexed disputer,
        bytes32 evidenceHash,
        uint256 bond
    );

    /// @dev Emitted when a dispute is resolved. `beneficiary` is zero when dismissed.
    event DisputeResolved(uint256 indexed disputeId, bytes32 indexed modelId, bool upheld, address beneficiary);

    /// @dev Emitted when a dispute's bond is paid out: to the disputer if upheld, to the treasury if dismissed.
    event DisputeBondWithdrawn(uint256 indexed disputeId, address indexed recipient, uint256 amount);

    /// @dev Emitted when the administrators change the dispute bond.
    event DisputeBondUpdated(uint256 bond);

    // ---------------------------------------------------------------- registration

    /**
     * @dev Registers a model with its lineage, first contributor set (epoch 0), terms and metadata.
     *
     * Requirements: a valid, unused key; a non-zero steward; at most {MAX_PARENTS} distinct, registered, not
     * revoked parents that allow derivatives, whose terms equal `expectedParentTerms` and are met by
     * `upstreamPpm * weightPpm`; edge weights non-zero and summing to PPM (or no parents and `upstreamPpm == 0`);
     * 1..{MAX_CONTRIBUTORS} contributors with non-zero accounts and weights summing to PPM.
     *
     * Emits a {ModelRegistered} and a {ContributorsSet} event.
     * @return id keccak256 of the key.
     */
    function register(Registration calldata registration) external returns (bytes32 id);

    /**
     * @dev Registers an unclaimed placeholder for `key`, so that derivatives can name it as a parent before its
     * authors arrive. Anyone may call this. The placeholder's kept revenue accrues in escrow until the
     * administrators assign it with {assignPlaceholder}.
     *
     * Emits a {PlaceholderRegistered} event.
     */
    function registerPlaceholder(string calldata key) external returns (bytes32 id);

    /**
     * @dev Gives a placeholder its steward and contributors. The contributors take over the placeholder's current
     * epoch, so everything that accrued in escrow becomes claimable by them. Administrators only.
     *
     * Emits a {StewardshipTransferred} and a {ContributorsSet} event.
     */
    function assignPlaceholder(bytes32 id, address steward, Contributor[] calldata contributors) external;

    // ---------------------------------------------------------------- steward actions

    /**
     * @dev Replaces the contributor set. Revenue that arrived before stays with the previous set; revenue that
     * arrives from now on belongs to the new one. Steward only, `ACTIVE` models only.
     *
     * Emits a {ContributorsSet} event.
     * @return epoch The new epoch.
     */
    function setContributors(bytes32 id, Contributor[] calldata contributors) external returns (uint32 epoch);

    /// @dev Changes what the model asks of future derivatives (existing children are unaffected). Steward only,
    /// `ACTIVE` models only. Emits a {TermsUpdated} event.
    function setTerms(bytes32 id, Terms calldata terms) external;

    /// @dev Changes the weights digest, metadata URI and license. Steward only. Emits a {MetadataUpdated} event.
    function setMetadata(
        bytes32 id,
        bytes32 weightsDigest,
        string calldata metadataURI,
        string calldata license
    ) external;

    /// @dev Offers stewardship to `newSteward`, who must accept it; replaces any pending offer. Steward only.
    /// Emits a {StewardshipTransferStarted} event.
    function transferStewardship(bytes32 id, address newSteward) external;

    /// @dev Accepts a pending stewardship offer. Emits a {StewardshipTransferred} event.
    function acceptStewardship(bytes32 id) external;

    // ---------------------------------------------------------------- disputes

    /**
     * @dev Raises a dispute on an `ACTIVE` model, with an evidence hash and exactly {disputeBond} in ETH. While
     * `DISPUTED`, the model still accepts payments, but nothing leaves it: no propagation, no claims.
     *
     * Emits a {DisputeRaised} event.
     */
    function raiseDispute(bytes32 id, bytes32 evidenceHash) external payable returns (uint256 disputeId);

    /**
     * @dev Resolves a pending dispute. Dismissed: the model is `ACTIVE` again and the bond goes to the treasury.
     * Upheld: the model is `REVOKED`, its held and future funds go to `beneficiary`, and the bond goes back to the
     * disputer. Administrators only.
     *
     * Emits a {DisputeResolved} event.
     */
    function resolveDispute(uint256 disputeId, bool upheld, address beneficiary) external;

    /// @dev Pays a resolved dispute's bond to whom the outcome gives it. Anyone may call this.
    /// Emits a {DisputeBondWithdrawn} event.
    function withdrawBond(uint256 disputeId) external;

    /// @dev Sets the bond a dispute needs. Administrators only. Emits a {DisputeBondUpdated} event.
    function setDisputeBond(uint256 bond) external;

    // ---------------------------------------------------------------- views

    /// @dev The most parents a model can have.
    function MAX_PARENTS() external view returns (uint256);

    /// @dev The most entries a contributor set can have.
    function MAX_CONTRIBUTORS() external view returns (uint256);

    /// @dev The router this registry configures.
    function router() external view returns (address);

    /// @dev A model's stored record (`status == NONE` if unknown).
    function model(bytes32 id) external view returns (Model memory);

    /// @dev The address offered stewardship of the model, or zero.
    function pendingSteward(bytes32 id) external view returns (address);

    /// @dev The bond a dispute needs now, in wei.
    function disputeBond() external view returns (uint256);

    /// @dev A dispute by id.
    function dispute(uint256 disputeId) external view returns (Dispute memory);

    /// @dev The pending dispute on a model, or 0.
    function activeDispute(bytes32 id) external view returns (uint256 disputeId);

    /// @dev The id of a key: `keccak256(bytes(key))`. Reverts if the key is invalid.
    function modelId(string calldata key) external pure returns (bytes32);
}
