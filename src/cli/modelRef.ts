import type { Hex } from "viem";

import { canonicalKey } from "../core/canonicalKey.js";
import { modelId } from "../core/modelId.js";
import type { ChainLedger } from "./chainLedger.js";
import { CliError } from "./shared.js";

/**
 * The model a command names, by key (`hf:org/name`, made canonical: `HF:Org/Name` is `hf:org/name`) or by 32-byte
 * id; an unknown model is an error saying how to find the right name.
 */
export function resolveModel(
  reference: string | undefined,
  chain: ChainLedger,
  usage: string,
): { id: Hex; key: string } {
  if (!reference) throw new CliError(`name a model by its key or id: ${usage}.`);
  let id: Hex;
  if (/^0x[0-9a-fA-F]{64}$/.test(reference)) id = reference.toLowerCase() as Hex;
  else {
    try {
      id = modelId(canonicalKey(reference));
    } catch (error) {
      throw new CliError(`"${reference}" is not a model key or id: ${(error as Error).message}`);
    }
  }
  try {
    return { id, key: chain.ledger.model(id).key };
  } catch {
    throw new CliError(
      `unknown model ${reference}${reference.startsWith("0x") ? "" : ` (id ${id})`}: check the key (hf: keys are all lowercase, others case-sensitive; stemma show ADDRESS lists an account's models), or register it with stemma register.`,
    );
  }
}
