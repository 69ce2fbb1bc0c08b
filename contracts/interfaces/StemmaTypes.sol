// SPDX-License-Identifier: MIT
// Stemma (contracts/interfaces/StemmaTypes.sol)
pragma solidity ^0.8.24;

/// @dev Shares are parts per million: every weight and share in Stemma is out of this one denominator.
uint32 constant PPM = 1_000_000;

/// @dev The ERC-7528 sentinel that stands for native ETH wherever a token address is expected.
/// `address(0)` is never a token: it stays "no token / error".
address constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

/// @dev How a derivative was made from a parent. The first four are Hugging Face's `base_model_relation` values.
enum Relation {
    FINETUNE,
    ADAPTER,
    QUANTIZED,
    MERGE,
    DISTILL,
    OTHER
}

/// @dev The cost layer a contributor stands for.
enum Role {
    PRETRAINING_COMPUTE,
    DATA_CURATION,
    FINETUNING,
    ALIGNMENT,
    EVALUATION_REDTEAM,
    QUANTIZATION,
    MAINTENANCE,
    TOOLING,
    DOCUMENTATION,
    FUNDING,
    OTHER
}

/// @dev `NONE` means "no such model". A registered model starts `ACTIVE`.
enum ModelStatus {
    NONE,
    ACTIVE,
    DISPUTED,
    REVOKED
}

/// @dev One lineage edge. The ordered list of a model's edges fixes the shape of the split of its upstream.
struct ParentEdge {
    bytes32 parentId;
    Relation relation;
    /// @dev Share of the model's upstream flow that goes to this parent, in PPM. A model's edges sum to PPM.
    uint32 weightPpm;
}

/// @dev One entry of a contributor set. A set's weights sum to PPM.
struct Contributor {
    address account;
    Role role;
    /// @dev Share of what the model keeps, in PPM.
    uint32 weightPpm;
}

/// @dev What a model asks of its derivatives.
struct Terms {
    bool derivativesAllowed;
    /// @dev The least share of a child's revenue, in PPM, that must reach this model through the child's edge to it:
    /// a child with upstream share `u` and edge weight `w` needs `u * w >= minDerivativePpm * PPM`.
    uint32 minDerivativePpm;
}

/// @dev One contributor-set entry as a leaf of the epoch's Merkle tree, with its proof, as a claim presents it.
/// The leaf is `keccak256(bytes.concat(keccak256(abi.encode(account, role, weightPpm, cumulativeBefore))))`, where
/// `cumulativeBefore` is the sum of the weights listed before the entry. Pairs hash in sorted order; an odd node
/// at the end of a level moves up unchanged.
struct ContributorClaim {
    bytes32 modelId;
    uint32 epoch;
    address account;
    Role role;
    uint32 weightPpm;
    uint32 cumulativeBefore;
    bytes32[] proof;
}
