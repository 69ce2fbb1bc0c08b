// SPDX-License-Identifier: MIT
// Stemma (contracts/interfaces/IModelRegistry.sol)
pragma solidity ^0.8.24;

import {ParentEdge, Contributor, Terms, ModelStatus} from "./StemmaTypes.sol";
import {IRevenueRouter} from "./IRevenueRouter.sol";

/**
 * @dev The lineage of open models: who a model was built from, who stewards it, who contributed to it and what it
 * asks of its derivatives. Money never sits here (except dispute bonds): the {IRevenueRouter} settles revenue, and
 * this registry tells it the parts of a model that revenue depends on (upstream share, parents, contributor sets,
 * status).
 *
 * A model's id is `keccak256(bytes(key))` for a canonical key such as `hf:meta-llama/llama-3.1-8b`, so a derivative
 * can name a parent whose authors have not registered yet: the child's registration creates that parent as an
 * unclaimed placeholder in the same transaction, and its authors later claim it.
 *
 * Identity: a key names an outside repository, so whoever registers it first does not own it. Attesters appointed
 * by governance read the steward address the repository names and sign an EIP-712 attestation ({attestationDigest}); with
 * {attesterThreshold} of their signatures a model is verified ({registerVerified}, {verify}) or claimed by its
 * rightful steward ({claimModel}). A model registered without them is provisional: funds arrive, but nothing leaves
 * it (no propagation, no claims) until it is verified or its {TrustPeriods-provisional} window passes with no verified claimant
 * ({endProvisional}). While provisional its lineage can be corrected once by a verified claimant, since nothing
 * has moved yet.
 *
 * Lineage is otherwise fixed, and a correction names only parents registered before the model, so the graph is
 * acyclic. Contributors and terms can change; every contributor change starts a new epoch in the router.
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

    /// @dev What the attesters sign: "`modelId` is stewarded by `steward`, as its repository says at `revision`".
    /// `nonce` is the model's {Identity-nonce} (0 for a key not yet registered), so that no attestation is used twice.
    struct VerificationProof {
        /// @dev The repository revision the attesters read (a commit hash), for the record.
        bytes32 revision;
        /// @dev The last timestamp at which the attestation may be used.
        uint64 deadline;
        /// @dev 65-byte ECDSA signatures by distinct attesters, ordered by signer address, ascending.
        bytes[] signatures;
    }

    /// @dev A model's parents and upstream share, as a registration states them.
    struct Lineage {
        uint32 upstreamPpm;
        ParentEdge[] parents;
        Terms[] expectedParentTerms;
    }

    /// @dev A model's identity and dispute bookkeeping, in one slot.
    struct Identity {
        /// @dev Attesters confirmed the current steward (or a predecessor the steward took over from).
        bool verified;
        /// @dev Until when a provisional model waits for a verified claimant; 0 when not provisional. A placeholder
        /// stays provisional until it is claimed or assigned (`type(uint40).max`).
        uint40 provisionalUntil;
        /// @dev When the current contributor epoch started (see {renewEpoch}).
        uint40 epochStartedAt;
        /// @dev No dispute may be raised before this time (set when a dispute is dismissed).
        uint40 disputeCooldownUntil;
        /// @dev How many disputes on the model were dismissed: each doubles the next bond.
        uint8 dismissedDisputes;
        /// @dev The nonce the next attestation for this model must carry.
        uint32 nonce;
        /// @dev Registration order, from 1: a lineage correction names only parents with a lower serial.
        uint64 serial;
    }

    /// @dev The governed time windows, in seconds.
    struct TrustPeriods {
        /// @dev How long a provisional model waits for a verified claimant before its funds may move; 0 turns
        /// provisional registration off (registrations are not held).
        uint40 provisional;
        /// @dev How long after a dismissal no new dispute may be raised on the model.
        uint40 disputeCooldown;
        /// @dev How long an epoch may stay current before anyone may renew it with the same set ({renewEpoch}).
        uint40 epochRenewal;
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

    /// @dev Thrown when a key is empty, longer than 128 bytes, holds a byte outside printable ASCII (0x20-0x7e), or is
    /// not canonical (see docs/SPEC.md).
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
    /// @dev Thrown when a dispute is raised during the cool-down that follows a dismissal.
    error ModelRegistryDisputeCooldown(bytes32 id, uint256 until);
    /// @dev Thrown when an attestation is used after its deadline.
    error ModelRegistryAttestationExpired(uint256 deadline);
    /// @dev Thrown when fewer valid attester signatures than the threshold are given (or no attester is appointed).
    error ModelRegistryNotEnoughAttestations(uint256 valid, uint256 threshold);
    /// @dev Thrown when a signature is malformed, not by an attester, or out of ascending signer order.
    error ModelRegistryInvalidAttestation(uint256 index);
    /// @dev Thrown when the caller is not the steward an attestation names.
    error ModelRegistryNotAttestedSteward(address attested, address caller);
    /// @dev Thrown when an attestation names a steward other than the model's for {verify}.
    error ModelRegistryStewardMismatch(bytes32 id, address steward);
    /// @dev Thrown when a change needs a model that is not provisional (or an action needs a provisional one).
    error ModelRegistryProvisional(bytes32 id, uint256 until);
    /// @dev Thrown when a provisional model's window is still open, or the model is not provisional.
    error ModelRegistryNotEndable(bytes32 id, uint256 until);
    /// @dev Thrown when a lineage correction is asked of a model whose funds may have moved.
    error ModelRegistryLineageLocked(bytes32 id);
    /// @dev Thrown when a corrected lineage names a parent registered after the model (which could close a cycle).
    error ModelRegistryParentNotOlder(bytes32 parentId);
    /// @dev Thrown when a placeholder created with a registration is not one of its parents.
    error ModelRegistryPlaceholderNotParent(bytes32 id);
    /// @dev Thrown when an epoch is renewed before {TrustPeriods-epochRenewal} passed or with another set.
    error ModelRegistryEpochNotRenewable(bytes32 id, uint256 from);
    /// @dev Thrown when a governed time window is longer than about ten years.
    error ModelRegistryPeriodTooLong(uint256 period, uint256 max);
    /// @dev Thrown when an attester threshold is zero with attesters, or above their number.
    error ModelRegistryInvalidThreshold(uint256 threshold, uint256 attesters);

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

    /// @dev Emitted when a model is registered without attestation: nothing leaves it before `until` unless it is
    /// verified or claimed first. Emitted again with a later `until` when a dismissed dispute extends the window
    /// through its cool-down.
    event ModelProvisional(bytes32 indexed id, uint40 until);

    /// @dev Emitted when attesters confirm `steward` for the model (at registration, {verify} or {claimModel}).
    event ModelVerified(bytes32 indexed id, address indexed steward, bytes32 revision, uint32 nonce);

    /// @dev Emitted when a provisional model's window passed with no verified claimant.
    event ProvisionEnded(bytes32 indexed id);

    /// @dev Emitted when a verified claimant corrects a provisional model's lineage (nothing had moved).
    event LineageCorrected(bytes32 indexed id, uint32 upstreamPpm, ParentEdge[] parents);

    /// @dev Emitted when governance gives a model a new steward and contributor set (its set follows in
    /// {ContributorsSet}).
    event ModelReassigned(bytes32 indexed id, address indexed steward);

    /// @dev Emitted when governance replaces a revoked model's beneficiary; its new epoch follows in {ContributorsSet}.
    event BeneficiaryReplaced(bytes32 indexed id, address indexed previous, address indexed beneficiary);

    /// @dev Emitted when an attester is appointed or removed.
    event AttesterUpdated(address indexed attester, bool appointed);

    /// @dev Emitted when the number of attester signatures a verification needs changes.
    event AttesterThresholdUpdated(uint8 threshold);

    /// @dev Emitted when the governed time windows change.
    event TrustPeriodsUpdated(TrustPeriods periods);

    /// @dev Emitted when a dispute freezes a model.
    event DisputeRaised(
        uint256 indexed disputeId,
        bytes32 indexed modelId,
        address indexed disputer,
        bytes32 evidenceHash,
        uint256 bond
    );

    /// @dev Emitted when a dispute is resolved (by governance, or dismissed by a guardian). `beneficiary` is zero when
    /// dismissed, and when upheld by a reassignment.
    event DisputeResolved(uint256 indexed disputeId, bytes32 indexed modelId, bool upheld, address beneficiary);

    /// @dev Emitted when a dispute's bond is paid out: to the disputer if upheld, to the treasury if dismissed.
    event DisputeBondWithdrawn(uint256 indexed disputeId, address indexed recipient, uint256 amount);

    /// @dev Emitted when the administrators change the dispute bond.
    event DisputeBondUpdated(uint256 bond);

    // ---------------------------------------------------------------- registration

    /**
     * @dev Registers a provisional model with its lineage, first contributor set (epoch 0), terms and metadata.
     *
     * Requirements: a valid, canonical, unused key; a non-zero steward; at most {MAX_PARENTS} distinct, registered,
     * not revoked parents that allow derivatives, whose terms equal `expectedParentTerms` and are met by
     * `upstreamPpm * weightPpm`; edge weights non-zero and summing to PPM (or no parents and `upstreamPpm == 0`);
     * 1..{MAX_CONTRIBUTORS} contributors with non-zero accounts and weights summing to PPM.
     *
     * Emits {ModelRegistered}, {ContributorsSet} and {ModelProvisional} events.
     * @return id keccak256 of the key.
     */
    function register(Registration calldata registration) external returns (bytes32 id);

    /**
     * @dev {register}, after creating an unclaimed placeholder for each of `placeholderKeys` that is not registered
     * yet. Each must be one of the registration's parents; if the registration reverts, no placeholder is left.
     *
     * Emits a {PlaceholderRegistered} event per placeholder created, then those of {register}.
     */
    function registerWithPlaceholders(
        Registration calldata registration,
        string[] calldata placeholderKeys
    ) external returns (bytes32 id);

    /**
     * @dev {registerWithPlaceholders} for a model whose steward the attesters confirmed: the model is verified and
     * never provisional. The caller must be `registration.steward` (so that no one can copy the attestation into a
     * registration with other contributors).
     *
     * Emits those of {registerWithPlaceholders}, with {ModelVerified} instead of {ModelProvisional}.
     */
    function registerVerified(
        Registration calldata registration,
        string[] calldata placeholderKeys,
        VerificationProof calldata proof
    ) external returns (bytes32 id);

    /**
     * @dev Registers an unclaimed placeholder for `key`: no steward, no parents, no contributors (its kept revenue
     * accrues in escrow until it is claimed). Placeholder managers (governance) only; anyone else creates
     * placeholders with a child's registration ({registerWithPlaceholders}).
     *
     * Emits a {PlaceholderRegistered} event.
     */
    function registerPlaceholder(string calldata key) external returns (bytes32 id);

    /**
     * @dev Gives a placeholder its steward and contributors. The contributors take over the placeholder's current
     * epoch, so everything that accrued in escrow becomes claimable by them. Placeholder managers (governance) only;
     * its authors can instead claim it themselves with {claimModel}.
     *
     * Emits a {StewardshipTransferred} and a {ContributorsSet} event.
     */
    function assignPlaceholder(bytes32 id, address steward, Contributor[] calldata contributors) external;

    // ---------------------------------------------------------------- identity

    /**
     * @dev Marks an `ACTIVE` model verified with an attestation of its current steward, and ends its provisional
     * window. Anyone may submit it.
     *
     * Emits a {ModelVerified} event.
     */
    function verify(bytes32 id, VerificationProof calldata proof) external;

    /**
     * @dev The rightful steward takes an `ACTIVE` model (or placeholder) over with an attestation that names the
     * caller. The caller becomes steward and `contributors` take effect. While the model is provisional nothing has
     * moved, so the set replaces the current epoch's and, if `correctLineage`, the lineage is replaced by `lineage`
     * (parents registered before the model only); otherwise a new epoch starts and the lineage must stay.
     *
     * Emits {StewardshipTransferred} (if the steward changes), {LineageCorrected} (if corrected), {ContributorsSet}
     * and {ModelVerified} events.
     */
    function claimModel(
        bytes32 id,
        Contributor[] calldata contributors,
        bool correctLineage,
        Lineage calldata lineage,
        VerificationProof calldata proof
    ) external;

    /// @dev Ends an `ACTIVE` provisional model's window once it has passed with no verified claimant: its funds may
    /// move. Anyone may call this. Not for placeholders. Emits a {ProvisionEnded} event.
    function endProvisional(bytes32 id) external;

    // ---------------------------------------------------------------- steward actions

    /**
     * @dev Replaces the contributor set. Revenue that arrived before stays with the previous set; revenue that
     * arrives from now on belongs to the new one, including upstream of children that propagate later (use
     * {rotateContributors} to let children's pending upstream count for the previous set). Steward only; `ACTIVE`
     * models that are not provisional only.
     *
     * Emits a {ContributorsSet} event.
     * @return epoch The new epoch.
     */
    function setContributors(bytes32 id, Contributor[] calldata contributors) external returns (uint32 epoch);

    /**
     * @dev Propagates `children` (each step as the router's `propagate`), then {setContributors}: what the children
     * owed the model before the rotation counts for the previous set. Steward only.
     * @return epoch The new epoch.
     */
    function rotateContributors(
        bytes32 id,
        Contributor[] calldata contributors,
        IRevenueRouter.Propagation[] calldata children
    ) external returns (uint32 epoch);

    /**
     * @dev Starts a new epoch with the current epoch's own set once the epoch has been current for
     * {TrustPeriods-epochRenewal}, so that its exact slices (and the last wei of rounding) become claimable.
     * `contributors` must be that set. Anyone may call this; `ACTIVE`, not provisional models only.
     *
     * Emits a {ContributorsSet} event.
     */
    function renewEpoch(bytes32 id, Contributor[] calldata contributors) external returns (uint32 epoch);

    /// @dev Changes what the model asks of future derivatives (existing children are unaffected). Steward only,
    /// `ACTIVE` models only. Emits a {TermsUpdated} event.
    function setTerms(bytes32 id, Terms calldata terms) external;

    /// @dev Changes the weights digest, metadata URI and license. Steward only, not while disputed or revoked.
    /// Emits a {MetadataUpdated} event.
    function setMetadata(
        bytes32 id,
        bytes32 weightsDigest,
        string calldata metadataURI,
        string calldata license
    ) external;

    /// @dev Offers stewardship to `newSteward`, who must accept it; replaces any pending offer. Steward only, not
    /// while disputed or revoked. Emits a {StewardshipTransferStarted} event.
    function transferStewardship(bytes32 id, address newSteward) external;

    /// @dev Accepts a pending stewardship offer, not while disputed or revoked. Emits a {StewardshipTransferred}
    /// event.
    function acceptStewardship(bytes32 id) external;

    // ---------------------------------------------------------------- disputes

    /**
     * @dev Raises a dispute on an `ACTIVE` model, outside its cool-down, with an evidence hash and exactly
     * {disputeBondFor} the model in ETH. A dispute holds only what it contests: while `DISPUTED`, claims of the
     * current epoch and contributor changes wait; closed epochs stay claimable and upstream keeps flowing to the
     * parents.
     *
     * Emits a {DisputeRaised} event.
     */
    function raiseDispute(bytes32 id, bytes32 evidenceHash) external payable returns (uint256 disputeId);

    /**
     * @dev Resolves a pending dispute. Dismissed: the model is `ACTIVE` again, a cool-down starts, the next bond on
     * it doubles and the bond goes to the treasury. Upheld: the model is `REVOKED`; the contested epoch's unclaimed
     * entitlements and all later kept revenue go to `beneficiary`; earlier epochs stay their contributors' and
     * upstream still flows to the parents; the bond goes back to the disputer. Dispute managers (governance) only.
     *
     * Emits a {DisputeResolved} event.
     */
    function resolveDispute(uint256 disputeId, bool upheld, address beneficiary) external;

    /// @dev Dismisses a pending dispute at once, as {resolveDispute} with `upheld == false`. Guardians only (a
    /// security council governance appoints); a guardian can never uphold.
    function dismissDispute(uint256 disputeId) external;

    /**
     * @dev The remedy short of revocation: gives a model that is not revoked a new steward and contributor set.
     * A pending dispute on it is upheld (its bond returns to the disputer) and the model is `ACTIVE` again. A
     * provisional model's current set is replaced (nothing has moved); otherwise a new epoch starts. Dispute
     * managers (governance) only.
     *
     * Emits {StewardshipTransferred}, {ModelReassigned} and {ContributorsSet} events (and {DisputeResolved}).
     */
    function reassign(bytes32 id, address steward, Contributor[] calldata contributors) external;

    /// @dev Replaces a revoked model's beneficiary (one that cannot receive, say): a new epoch starts for the new
    /// one, who can also sweep what earlier beneficiaries left unclaimed. Dispute managers (governance) only.
    /// Emits {BeneficiaryReplaced} and {ContributorsSet} events.
    function replaceBeneficiary(bytes32 id, address beneficiary) external;

    /// @dev Pays a resolved dispute's bond to whom the outcome gives it. Anyone may call this.
    /// Emits a {DisputeBondWithdrawn} event.
    function withdrawBond(uint256 disputeId) external;

    /// @dev Sets the base bond a dispute needs. Administrators only. Emits a {DisputeBondUpdated} event.
    function setDisputeBond(uint256 bond) external;

    /// @dev Appoints or removes an attester. Identity managers (governance) only. Emits an {AttesterUpdated} event.
    function setAttester(address attester, bool appointed) external;

    /// @dev Sets how many attester signatures a verification needs (1..number of attesters; 0 only with none).
    /// Identity managers (governance) only. Emits an {AttesterThresholdUpdated} event.
    function setAttesterThreshold(uint8 threshold) external;

    /// @dev Sets the governed time windows. Identity managers (governance) only. Emits {TrustPeriodsUpdated}.
    function setTrustPeriods(TrustPeriods calldata periods) external;

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

    /// @dev The base bond a dispute needs, in wei.
    function disputeBond() external view returns (uint256);

    /// @dev The bond a dispute on `id` needs now: the base bond doubled per dismissed dispute on it.
    function disputeBondFor(bytes32 id) external view returns (uint256);

    /// @dev A model's identity and dispute bookkeeping.
    function identity(bytes32 id) external view returns (Identity memory);

    /// @dev Whether `account` is an attester.
    function isAttester(address account) external view returns (bool);

    /// @dev How many attester signatures a verification needs (0: no attester is appointed).
    function attesterThreshold() external view returns (uint8);

    /// @dev The governed time windows.
    function trustPeriods() external view returns (TrustPeriods memory);

    /// @dev The EIP-712 digest the attesters sign for `modelId`, `steward`, `revision`, `nonce` and `deadline`.
    function attestationDigest(
        bytes32 modelId,
        address steward,
        bytes32 revision,
        uint32 nonce,
        uint64 deadline
    ) external view returns (bytes32);

    /// @dev A dispute by id.
    function dispute(uint256 disputeId) external view returns (Dispute memory);

    /// @dev The pending dispute on a model, or 0.
    function activeDispute(bytes32 id) external view returns (uint256 disputeId);

    /// @dev The id of a key: `keccak256(bytes(key))`. Reverts if the key is invalid.
    function modelId(string calldata key) external pure returns (bytes32);
}
