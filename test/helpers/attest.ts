import type { Signer, TypedDataDomain } from "ethers";
import { id as keccakUtf8 } from "ethers";

import { ATTESTATION_DOMAIN, ATTESTATION_TYPES as CORE_TYPES } from "../../src/core/attestation.js";
import type { ModelRegistry } from "../../types/ethers-contracts/index.js";

/** `IModelRegistry.VerificationProof`. */
export type VerificationProof = { revision: string; deadline: bigint; signatures: string[] };

/** What the attesters sign: "`modelId` is stewarded by `steward`, as its repository says at `revision`". */
export type Attestation = { modelId: string; steward: string; revision: string; nonce: bigint; deadline: bigint };

/** The EIP-712 type the registry checks, as ethers takes it (mutable field lists). */
export const ATTESTATION_TYPES = { Attestation: [...CORE_TYPES.Attestation] };

/** A repository revision for tests (a commit hash stand-in). */
export const REVISION = keccakUtf8("commit 9f1c2e4");

/** The registry's EIP-712 domain. */
export async function attestationDomain(registry: ModelRegistry): Promise<TypedDataDomain> {
  const provider = registry.runner?.provider;
  if (!provider) throw new Error("the registry has no provider to read the chain id from");
  const { chainId } = await provider.getNetwork();
  return { ...ATTESTATION_DOMAIN, chainId, verifyingContract: await registry.getAddress() };
}

/** Signs `attestation` with every signer, in the order given (the registry wants ascending signer addresses). */
export async function signAttestation(
  registry: ModelRegistry,
  signers: readonly Signer[],
  attestation: Attestation,
): Promise<VerificationProof> {
  const domain = await attestationDomain(registry);
  const signatures = await Promise.all(signers.map((s) => s.signTypedData(domain, ATTESTATION_TYPES, attestation)));
  return { revision: attestation.revision, deadline: attestation.deadline, signatures };
}

/** Signers sorted by address, ascending, as a proof must list their signatures. */
export async function sortedSigners<S extends Signer>(signers: readonly S[]): Promise<S[]> {
  const withAddresses = await Promise.all(signers.map(async (s) => ({ s, address: BigInt(await s.getAddress()) })));
  return withAddresses.sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0)).map((x) => x.s);
}

/**
 * A valid proof that `steward` stewards `modelId`, signed by `attesters` (sorted for the caller), with the model's
 * current nonce (0 for a key not registered yet) and a deadline an hour from the latest block unless given.
 */
export async function attest(
  registry: ModelRegistry,
  attesters: readonly Signer[],
  modelId: string,
  steward: string | { address: string },
  fields: Partial<Pick<Attestation, "revision" | "nonce" | "deadline">> = {},
): Promise<VerificationProof> {
  const provider = registry.runner?.provider;
  const latest = await provider?.getBlock("latest");
  if (!latest) throw new Error("no latest block to date the attestation from");
  const attestation: Attestation = {
    modelId,
    steward: typeof steward === "string" ? steward : steward.address,
    revision: fields.revision ?? REVISION,
    nonce: fields.nonce ?? (await registry.identity(modelId)).nonce,
    deadline: fields.deadline ?? BigInt(latest.timestamp) + 3600n,
  };
  return signAttestation(registry, await sortedSigners(attesters), attestation);
}
