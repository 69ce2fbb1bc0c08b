import { canonicalKey, isHfKey } from "./canonicalKey.js";
import { MAX_KEY_BYTES } from "./constants.js";
import { InvalidModelKeyError, type InvalidModelKeyErrorType } from "./errors.js";

export type ValidateKeyErrorType = InvalidModelKeyErrorType;

/**
 * Checks that a model key is canonical, which is exactly what the registry accepts (LineageLib `isValidKey`):
 * - 1 to 128 bytes, every byte printable ASCII (0x20-0x7e), and no space (0x20) first or last;
 * - a key whose prefix is `hf:` (in any case) has no uppercase letter A-Z and no space at all: Hugging Face
 *   repository ids are case-insensitive and have no spaces, so `hf:meta-llama/llama-3.1-8b` is the one form of that
 *   model and a lookalike such as `hf:Meta-Llama/llama-3.1-8b` cannot be registered as another;
 * - other keys keep their case (their namespaces' rules are not ours to know).
 * Keys a person typed go through {@link canonicalKey} first.
 *
 * @param key - A canonical model key such as `hf:meta-llama/llama-3.1-8b`.
 * @throws {InvalidModelKeyError} naming the first problem (empty, too long, the offending byte and offset) and, when
 * {@link canonicalKey} fixes it, the canonical key.
 *
 * @example
 * import { validateKey } from "./validateKey.js";
 * validateKey("hf:meta-llama/llama-3.1-8b"); // ok
 * validateKey("hf:caf\u00e9"); // throws: byte 0xc3 at offset 6 is not printable ASCII
 * validateKey("hf:Meta-Llama/llama-3.1-8b"); // throws: ... byte 'M' at offset 3 is uppercase; the canonical key is ...
 */
export function validateKey(key: string): void {
  const problem = problemOf(key);
  if (problem === undefined) return;
  const canonical = canonicalKey(key);
  const hint = canonical !== key && problemOf(canonical) === undefined ? `; the canonical key is ${canonical}` : "";
  throw new InvalidModelKeyError({ key, reason: problem + hint });
}

/** The first reason `key` is not canonical, or undefined. */
function problemOf(key: string): string | undefined {
  if (key.length === 0) return "the key is empty";
  // Every allowed byte is a one-unit UTF-16 character, so a key with a non-ASCII character is
  // rejected below before its UTF-8 length matters; the UTF-8 length is reported for long keys.
  const bytes = new TextEncoder().encode(key);
  if (bytes.length > MAX_KEY_BYTES)
    return `the key is ${bytes.length} bytes long, more than the ${MAX_KEY_BYTES} allowed`;
  for (let offset = 0; offset < bytes.length; offset++) {
    const byte = bytes[offset]!;
    if (byte < 0x20 || byte > 0x7e)
      return `byte 0x${byte.toString(16).padStart(2, "0")} at offset ${offset} is not printable ASCII (0x20-0x7e)`;
  }
  // Printable ASCII from here on: offsets in the string are offsets in bytes.
  if (key.startsWith(" ")) return "the key starts with a space";
  if (key.endsWith(" ")) return "the key ends with a space";
  if (!isHfKey(key)) return undefined;
  const offset = key.search(/[A-Z ]/);
  if (offset === -1) return undefined;
  return key[offset] === " "
    ? `hf: keys have no spaces (Hugging Face repository ids have none): a space at offset ${offset}`
    : `hf: keys are lowercase (Hugging Face repository ids are case-insensitive): byte '${key[offset]}' at offset ${offset} is uppercase`;
}
