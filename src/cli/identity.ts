import type { Hex } from "viem";

import type { ChainContext } from "./connect.js";

/** The part of the registry's `identity(id)` the CLI shows. */
export type Identity = { verified: boolean; provisionalUntil: number; disputeCooldownUntil: number; nonce: number };

export async function readIdentity(context: ChainContext, id: Hex): Promise<Identity> {
  return await context.publicClient.readContract({
    address: context.registry,
    abi: context.abi.registry,
    functionName: "identity",
    args: [id],
  });
}

/** A placeholder waits for its authors for ever: its window ends at the largest uint40. */
const FOREVER = 2 ** 40 - 1;

const dateOf = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A model's identity in words: verified, provisional (until when), or neither. */
export function identityWords(identity: Identity): string {
  if (identity.provisionalUntil === FOREVER) return "provisional until its authors claim it (stemma verify)";
  if (identity.provisionalUntil !== 0)
    return `provisional until ${dateOf(identity.provisionalUntil)}: nothing leaves it before it is verified or that time passes`;
  return identity.verified ? "verified: attesters confirmed its steward" : "not verified (stemma verify)";
}
