import type { Signer } from "ethers";
import { id as keccakUtf8 } from "ethers";

import type { ModelRegistry } from "../../types/ethers-contracts/index.js";

/** An evidence hash for tests. */
export const EVIDENCE = keccakUtf8("ipfs://evidence/weights-are-a-copy");

/** Raises a dispute on `id` with the bond it needs now (doubled per dismissal); returns the dispute id. */
export async function raiseDispute(registry: ModelRegistry, disputer: Signer, id: string): Promise<bigint> {
  await registry.connect(disputer).raiseDispute(id, EVIDENCE, { value: await registry.disputeBondFor(id) });
  return registry.activeDispute(id);
}

/** Raises a dispute on `id` and has the administrators uphold it for `beneficiary`; returns the dispute id. */
export async function revoke(
  registry: ModelRegistry,
  { admin, disputer }: { admin: Signer; disputer: Signer },
  id: string,
  beneficiary: string,
): Promise<bigint> {
  const disputeId = await raiseDispute(registry, disputer, id);
  await registry.connect(admin).resolveDispute(disputeId, true, beneficiary);
  return disputeId;
}
