import { MAX_KEY_BYTES } from "./constants.js";
import { InvalidModelKeyError, type InvalidModelKeyErrorType } from "./errors.js";

export type ValidateKeyErrorType = InvalidModelKeyErrorType;

/**
 * Checks that a model key is what the registry accepts: 1 to 128 bytes, every byte printable ASCII
 * (0x20-0x7e). Keys are case-sensitive and are not normalized.
 *
 * @param key - A canonical model key such as `hf:meta-llama/Llama-3.1-8B`.
 * @throws {InvalidModelKeyError} naming the first problem (empty, too long, or the offending character and offset).
 *
 * @example
 * import { validateKey } from "./validateKey.js";
 * validateKey("hf:meta-llama/Llama-3.1-8B"); // ok
 * validateKey("hf:caf\u00e9"); // throws: byte 0xc3 at offset 6 is not printable ASCII
 */
export function validateKey(key: string): void {
  if (key.length === 0) throw new InvalidModelKeyError({ key, reason: "the key is empty" });
  // Every allowed byte is a one-unit UTF-16 character, so a key with a non-ASCII character is
  // rejected below before its UTF-8 length matters; the UTF-8 length is reported for long keys.
  const bytes = new TextEncoder().encode(key);
  if (bytes.length > MAX_KEY_BYTES)
    throw new InvalidModelKeyError({
      key,
      reason: `the key is ${bytes.length} bytes long, more than the ${MAX_KEY_BYTES} allowed`,
    });
  for (let offset = 0; offset < bytes.length; offset++) {
    const byte = bytes[offset]!;
    if (byte < 0x20 || byte > 0x7e)
      throw new InvalidModelKeyError({
        key,
        reason: `byte 0x${byte.toString(16).padStart(2, "0")} at offset ${offset} is not printable ASCII (0x20-0x7e)`,
      });
  }
}
