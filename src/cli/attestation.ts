/**
 * Attestations: an attester's EIP-712 signature of "model `modelId` is stewarded by `steward`, as its repository says
 * at `revision`", for the model's current nonce and until a deadline (IModelRegistry `attestationDigest`). An
 * attester writes one as a JSON file (`stemma attest`); a steward merges those of several attesters into the
 * registry's `VerificationProof` (`stemma verify`).
 */
import { readFile } from "node:fs/promises";
import {
  getAddress,
  hashTypedData,
  isAddress,
  isHex,
  recoverTypedDataAddress,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type TypedDataDefinition,
  type WalletClient,
} from "viem";

import { modelRegistryAbi } from "../contracts/abis.js";
import { modelId as idOfKey } from "../core/modelId.js";
import { readCardBinding, type CardBinding } from "./cardBinding.js";
import { CliError } from "./shared.js";
import { ATTESTATION_DOMAIN, ATTESTATION_TYPES } from "../core/attestation.js";

/** What the attesters sign, with where it is valid (the registry and its chain). */
export type AttestationStatement = {
  key: string;
  modelId: Hex;
  steward: Address;
  revision: Hex;
  nonce: number;
  deadline: bigint;
  chainId: number;
  registry: Address;
};

/** One attestation file: the statement and one signature per attester, in ascending signer order. */
export type Attestation = AttestationStatement & { signatures: { signer: Address; signature: Hex }[] };

/** The registry's `VerificationProof`. */
export type VerificationProof = { revision: Hex; deadline: bigint; signatures: Hex[] };

/** The EIP-712 typed data of a statement, in the registry's domain ("Stemma ModelRegistry", version 1). */
export function attestationTypedData(statement: AttestationStatement) {
  return {
    domain: { ...ATTESTATION_DOMAIN, chainId: statement.chainId, verifyingContract: statement.registry },
    types: ATTESTATION_TYPES,
    primaryType: "Attestation",
    message: {
      modelId: statement.modelId,
      steward: statement.steward,
      revision: statement.revision,
      nonce: statement.nonce,
      deadline: statement.deadline,
    },
  } as const satisfies TypedDataDefinition;
}

/** Signs typed data: a wallet client's or a local account's `signTypedData`, bound to the attester's account. */
export type TypedDataSigner = {
  address: Address;
  signTypedData: (typedData: ReturnType<typeof attestationTypedData>) => Promise<Hex>;
};

/** An attester's wallet (a local key or a node's account) as a {@link TypedDataSigner}. */
export const walletSigner = (wallet: WalletClient<Transport, Chain, Account>): TypedDataSigner => ({
  address: wallet.account.address,
  signTypedData: (typedData) => wallet.signTypedData({ account: wallet.account, ...typedData }),
});

/** The nonce the next attestation of `id` must carry: the registry's `identity(id).nonce` (0 for an unknown key). */
export async function attestationNonce(publicClient: PublicClient, registry: Address, id: Hex): Promise<number> {
  const identity = await publicClient.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "identity",
    args: [id],
  });
  return identity.nonce;
}

export type AttestFromCardsParameters = {
  publicClient: PublicClient;
  registry: Address;
  /** The card folder: a mirror of the repositories, `<dir>/<org>/<name>/README.md`. */
  cards: string;
  key: string;
  signer: TypedDataSigner;
  /** The revision to sign instead of the hash of the file that names the steward (a commit hash, say). */
  revision?: Hex | undefined;
  /** How long the attestation may be used, in seconds from the chain's latest block. */
  validFor: bigint;
};

/**
 * The attester's step: reads the steward the repository of `key` names (the card folder `cards`), the model's nonce
 * and the chain, signs the attestation and checks the digest against the registry's own `attestationDigest`.
 * @throws {CliError} when the repository names no steward, the signer is not an attester, or the digests differ.
 */
export async function attestFromCards({
  publicClient,
  registry,
  cards,
  key,
  signer,
  revision,
  validFor,
}: AttestFromCardsParameters): Promise<{ attestation: Attestation; binding: CardBinding }> {
  const binding = await readCardBinding(cards, key);
  if (!binding.steward)
    throw new CliError(
      `${key}'s repository names no steward (${binding.file}): nothing to attest until its authors add stemma: { steward: "0x..." } to the card's front matter or a stemma.json file.`,
    );
  const isAttester = await publicClient.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "isAttester",
    args: [signer.address],
  });
  if (!isAttester)
    throw new CliError(
      `${signer.address} is not an attester of the registry ${registry}: sign with an attester's key (governance appoints them with setAttester).`,
    );
  const id = idOfKey(key);
  const { timestamp } = await publicClient.getBlock();
  const statement: AttestationStatement = {
    key,
    modelId: id,
    steward: binding.steward,
    revision: revision ?? binding.revision,
    nonce: await attestationNonce(publicClient, registry, id),
    deadline: timestamp + validFor,
    chainId: await publicClient.getChainId(),
    registry,
  };
  const typedData = attestationTypedData(statement);
  const onChain = await publicClient.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "attestationDigest",
    args: [id, statement.steward, statement.revision, statement.nonce, statement.deadline],
  });
  if (onChain !== hashTypedData(typedData))
    throw new CliError(
      `the registry's attestation digest ${onChain} differs from the one signed here (${hashTypedData(typedData)}): is ${registry} a Stemma ModelRegistry of this version?`,
    );
  const signature = await signer.signTypedData(typedData);
  return { attestation: { ...statement, signatures: [{ signer: signer.address, signature }] }, binding };
}

/** An attestation as JSON (the deadline, a uint64, as a decimal string). */
export const attestationJson = (attestation: Attestation): string =>
  `${JSON.stringify({ ...attestation, deadline: attestation.deadline.toString() }, null, 2)}\n`;

/** Reads and checks an attestation file: every signature must recover to its signer. */
export async function readAttestation(path: string): Promise<Attestation> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new CliError(`cannot read the attestation ${path} (${reason}): pass the file stemma attest wrote.`);
  }
  const bad = (what: string): never => {
    throw new CliError(`${path} is not an attestation: ${what} (pass the file stemma attest wrote).`);
  };
  const file = (typeof raw === "object" && raw !== null ? raw : bad("not a JSON object")) as Record<string, unknown>;
  const hex = (name: string, bytes: number) => {
    const value = file[name];
    return isHex(value) && value.length === 2 + 2 * bytes
      ? (value.toLowerCase() as Hex)
      : bad(`${name} is not ${bytes} bytes of hex`);
  };
  const address = (value: unknown, name: string) =>
    typeof value === "string" && isAddress(value, { strict: false })
      ? getAddress(value)
      : bad(`${name} is not an address`);
  const signatures = Array.isArray(file.signatures) ? (file.signatures as unknown[]) : bad("signatures is not a list");
  const attestation: Attestation = {
    key: typeof file.key === "string" ? file.key : bad("key is missing"),
    modelId: hex("modelId", 32),
    steward: address(file.steward, "steward"),
    revision: hex("revision", 32),
    nonce:
      Number.isSafeInteger(file.nonce) && (file.nonce as number) >= 0
        ? (file.nonce as number)
        : bad("nonce is not a number"),
    deadline:
      typeof file.deadline === "string" && /^\d+$/.test(file.deadline)
        ? BigInt(file.deadline)
        : bad("deadline is not a number"),
    chainId: Number.isSafeInteger(file.chainId) ? (file.chainId as number) : bad("chainId is not a number"),
    registry: address(file.registry, "registry"),
    signatures: signatures.map((entry, index) => {
      const { signer, signature } = (entry ?? {}) as Record<string, unknown>;
      if (!isHex(signature) || signature.length !== 132) bad(`signatures[${index}].signature is not 65 bytes of hex`);
      return { signer: address(signer, `signatures[${index}].signer`), signature: signature as Hex };
    }),
  };
  if (idOfKey(attestation.key) !== attestation.modelId) bad(`modelId is not the id of ${attestation.key}`);
  const typedData = attestationTypedData(attestation);
  for (const { signer, signature } of attestation.signatures) {
    const recovered = await recoverTypedDataAddress({ ...typedData, signature });
    if (recovered !== signer) bad(`the signature said to be ${signer}'s was made by ${recovered}`);
  }
  return attestation;
}

/**
 * Merges the attestations of several attesters (each file one or more signatures) into one: they must sign the same
 * statement. Signatures are sorted by signer address, ascending, each signer once, as the registry requires.
 */
export function mergeAttestations(attestations: readonly Attestation[]): Attestation {
  const [first, ...rest] = attestations;
  if (!first) throw new CliError("no attestation to merge: pass --proof FILE (one per attester).");
  const fields = ["key", "steward", "revision", "nonce", "deadline", "chainId", "registry"] as const;
  for (const other of rest) {
    const differing = fields.find((field) => String(other[field]) !== String(first[field]));
    if (differing)
      throw new CliError(
        `the attestations disagree on ${differing} (${String(first[differing])} vs ${String(other[differing])}): every attester must sign the same statement; ask them to attest again with the same --revision.`,
      );
  }
  const bySigner = new Map<string, { signer: Address; signature: Hex }>();
  for (const entry of attestations.flatMap((attestation) => attestation.signatures))
    bySigner.set(entry.signer.toLowerCase(), entry);
  const signatures = [...bySigner.values()].sort((a, b) =>
    BigInt(a.signer) < BigInt(b.signer) ? -1 : BigInt(a.signer) > BigInt(b.signer) ? 1 : 0,
  );
  return { ...first, signatures };
}

/** The registry's `VerificationProof` of a (merged) attestation. */
export const proofOf = (attestation: Attestation): VerificationProof => ({
  revision: attestation.revision,
  deadline: attestation.deadline,
  signatures: attestation.signatures.map((entry) => entry.signature),
});
