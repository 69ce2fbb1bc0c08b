import type { ContractTransactionResponse, Signer } from "ethers";
import { AbiCoder, id as keccakUtf8, keccak256 } from "ethers";

import type { ModelRegistry } from "../../types/ethers-contracts/index.js";

/** One contributor-set entry as the contracts take it. */
export type ContributorInput = { account: string; role: number; weightPpm: number };
/** One lineage edge as the contracts take it. */
export type ParentEdgeInput = { parentId: string; relation: number; weightPpm: number };
export type TermsInput = { derivativesAllowed: boolean; minDerivativePpm: number };

/** `IModelRegistry.Registration`. */
export type Registration = {
  key: string;
  steward: string;
  upstreamPpm: number;
  parents: ParentEdgeInput[];
  expectedParentTerms: TermsInput[];
  contributors: ContributorInput[];
  terms: TermsInput;
  weightsDigest: string;
  metadataURI: string;
  license: string;
};

export type RegisteredModel = { id: string; registration: Registration; tx: ContractTransactionResponse };

/** Terms that allow any derivative. */
export const OPEN_TERMS: TermsInput = { derivativesAllowed: true, minDerivativePpm: 0 };

/** A model id: `keccak256(utf8(key))` (computed without validating the key). */
export function modelIdOf(key: string): string {
  return keccakUtf8(key);
}

/**
 * A registration with defaults: no parents, no upstream, the steward as the only contributor, open terms, and
 * metadata derived from the key.
 */
export function registration(fields: Partial<Registration> & Pick<Registration, "key" | "steward">): Registration {
  return {
    upstreamPpm: 0,
    parents: [],
    expectedParentTerms: [],
    contributors: [{ account: fields.steward, role: 0, weightPpm: 1_000_000 }],
    terms: OPEN_TERMS,
    weightsDigest: keccakUtf8(`weights:${fields.key}`),
    metadataURI: `ipfs://card/${fields.key}`,
    license: "Apache-2.0",
    ...fields,
  };
}

/** Registers a model (see {registration} for the defaults) from `signer`, its steward unless `fields` names another. */
export async function registerModel(
  registry: ModelRegistry,
  signer: Signer,
  fields: Partial<Registration> & Pick<Registration, "key">,
): Promise<RegisteredModel> {
  const complete = registration({ steward: await signer.getAddress(), ...fields });
  const tx = await registry.connect(signer).register(complete);
  return { id: modelIdOf(complete.key), registration: complete, tx };
}

/** Contributor entries from `[account, weightPpm, role?]` triples (role defaults to PRETRAINING_COMPUTE). */
export function contributors(
  ...entries: [account: string | { address: string }, weightPpm: number, role?: number][]
): ContributorInput[] {
  return entries.map(([account, weightPpm, role = 0]) => ({
    account: typeof account === "string" ? account : account.address,
    role,
    weightPpm,
  }));
}

/** Parent edges from `[parentId, weightPpm, relation?]` triples (relation defaults to FINETUNE). */
export function edges(...entries: [parentId: string, weightPpm: number, relation?: number][]): ParentEdgeInput[] {
  return entries.map(([parentId, weightPpm, relation = 0]) => ({ parentId, relation, weightPpm }));
}

/** The parent edges and, read from the registry as a registrant would, the terms each parent asks now. */
export async function lineage(
  registry: ModelRegistry,
  entries: [parentId: string, weightPpm: number, relation?: number][],
): Promise<{ parents: ParentEdgeInput[]; expectedParentTerms: TermsInput[] }> {
  const parents = edges(...entries);
  const expectedParentTerms = await Promise.all(parents.map(({ parentId }) => termsOf(registry, parentId)));
  return { parents, expectedParentTerms };
}

/** A model's current terms, as plain values. */
export async function termsOf(registry: ModelRegistry, id: string): Promise<TermsInput> {
  const { terms } = await registry.model(id);
  return { derivativesAllowed: terms.derivativesAllowed, minDerivativePpm: Number(terms.minDerivativePpm) };
}

/** The tuple shapes events decode to, for `.withArgs`. */
export const tuple = {
  edge: ({ parentId, relation, weightPpm }: ParentEdgeInput) => [parentId, relation, weightPpm],
  contributor: ({ account, role, weightPpm }: ContributorInput) => [account, role, weightPpm],
  terms: ({ derivativesAllowed, minDerivativePpm }: TermsInput) => [derivativesAllowed, minDerivativePpm],
};

/** What the router stores for a model's edges: `keccak256(abi.encode(parents))`. */
export function parentsHashOf(parents: readonly ParentEdgeInput[]): string {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["tuple(bytes32 parentId, uint8 relation, uint32 weightPpm)[]"],
    [parents.map(tuple.edge)],
  );
  return keccak256(encoded);
}
