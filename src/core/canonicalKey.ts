/** The prefix of keys that name a Hugging Face repository (`hf:org/name`, optionally `@revision`). */
export const HF_PREFIX = "hf:";

/** Whether `key` is in the Hugging Face namespace: its prefix is `hf:` in any case (so `HF:x` is no other model). */
export const isHfKey = (key: string): boolean => key.slice(0, HF_PREFIX.length).toLowerCase() === HF_PREFIX;

/**
 * The canonical form of a key a person typed (a flag, a manifest, a model card, a scenario file): outer whitespace
 * trimmed and, for a Hugging Face key, every ASCII letter lowercased (the hub's repository ids are case-insensitive,
 * so `hf:Meta-Llama/Llama-3.1-8B` and `hf:meta-llama/llama-3.1-8b` are one repository, and the registry accepts only
 * the second). Other namespaces keep their case: their rules are not ours to know. What canonicalisation cannot fix
 * (a space inside an `hf:` key, a byte that is not printable ASCII) is left for {@link validateKey} to name.
 *
 * @param input - A key as typed.
 * @returns The key to validate, hash and register.
 *
 * @example
 * import { canonicalKey } from "./canonicalKey.js";
 * canonicalKey(" HF:Meta-Llama/Llama-3.1-8B "); // "hf:meta-llama/llama-3.1-8b"
 * canonicalKey("gh:Org/Repo"); // "gh:Org/Repo"
 */
export function canonicalKey(input: string): string {
  const key = input.trim();
  // ASCII only: a non-ASCII letter stays as typed (and invalid), rather than folding into some other ASCII key.
  return isHfKey(key) ? key.replace(/[A-Z]/g, (letter) => letter.toLowerCase()) : key;
}
