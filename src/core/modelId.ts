import { keccak256, stringToBytes, type Hex } from "viem";
import { validateKey, type ValidateKeyErrorType } from "./validateKey.js";

export type ModelIdErrorType = ValidateKeyErrorType;

/**
 * The id of a model: `keccak256(bytes(key))`, as the registry's `modelId(key)` computes it. Deterministic ids let a
 * derivative name a parent that its authors have not registered yet.
 *
 * @param key - A canonical model key (see validateKey; canonicalKey makes one of what a user typed).
 * @returns The 32-byte id, lowercase hex.
 * @throws {InvalidModelKeyError} when the key is invalid (the registry reverts with `ModelRegistryInvalidKey`).
 *
 * @example
 * import { modelId } from "./modelId.js";
 * const id = modelId("hf:meta-llama/llama-3.1-8b");
 */
export function modelId(key: string): Hex {
  validateKey(key);
  return keccak256(stringToBytes(key));
}
