/**
 * The EIP-712 attestation the registry checks (`IModelRegistry.VerificationProof`): an attester states that
 * `modelId` is stewarded by `steward`, as its repository says at `revision`, for the model's `nonce`, until
 * `deadline`. The domain is the registry's: this name and version, the chain id and the registry's address.
 */
export const ATTESTATION_DOMAIN = { name: "Stemma ModelRegistry", version: "1" } as const;

/** The EIP-712 type of an attestation, field for field as `ModelRegistry` hashes it. */
export const ATTESTATION_TYPES = {
  Attestation: [
    { name: "modelId", type: "bytes32" },
    { name: "steward", type: "address" },
    { name: "revision", type: "bytes32" },
    { name: "nonce", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
} as const;
