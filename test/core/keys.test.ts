/**
 * Canonical keys (audit F14): validateKey refuses every lookalike of a canonical key with the reason and the
 * canonical form, and canonicalKey turns what a person types into that form.
 */
import { expect } from "chai";
import { canonicalKey } from "../../src/core/canonicalKey.js";
import { InvalidModelKeyError } from "../../src/core/errors.js";
import { modelId } from "../../src/core/modelId.js";
import { validateKey } from "../../src/core/validateKey.js";

/** The rule written out plainly (docs/SPEC.md "A model"), to compare validateKey with. */
function isCanonical(key: string): boolean {
  if (key.length === 0 || key.length > 128) return false;
  if ([...key].some((c) => c < " " || c > "~")) return false;
  if (key[0] === " " || key.at(-1) === " ") return false;
  const hf = key.length >= 3 && "hH".includes(key[0]!) && "fF".includes(key[1]!) && key[2] === ":";
  return !hf || ![...key].some((c) => c === " " || (c >= "A" && c <= "Z"));
}

const accepts = (key: string) => {
  try {
    validateKey(key);
    return true;
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidModelKeyError);
    return false;
  }
};

/** The one-line message validateKey refuses `key` with. */
function refusal(key: string): string {
  try {
    validateKey(key);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidModelKeyError);
    return (error as InvalidModelKeyError).shortMessage;
  }
  expect.fail(`${JSON.stringify(key)} was accepted`);
}

/** A deterministic generator (xorshift), so a failure replays. */
function random(seed: number) {
  let state = seed;
  return (below: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
}

describe("canonical keys (F14)", () => {
  describe("validateKey", () => {
    it("accepts lowercase hf: keys and keys of other namespaces in any case", () => {
      for (const key of ["hf:meta-llama/llama-3.1-8b", "hf:org/name@0123abc", "hf:", "gh:Org/Repo", "a b", "HF"])
        expect(accepts(key), key).to.equal(true);
    });

    it("refuses an uppercase letter in an hf: key, naming it and the canonical key", () => {
      expect(refusal("hf:Meta-Llama/llama-3.1-8b")).to.equal(
        'Invalid model key "hf:Meta-Llama/llama-3.1-8b": hf: keys are lowercase (Hugging Face repository ids are ' +
          "case-insensitive): byte 'M' at offset 3 is uppercase; the canonical key is hf:meta-llama/llama-3.1-8b.",
      );
      expect(refusal("hf:meta-llama/llama-3.1-8B")).to.match(/byte 'B' at offset 25 is uppercase/);
    });

    it("refuses an hf: prefix in another case: HF:x is no other model", () => {
      for (const key of ["HF:x", "Hf:x", "hF:x"])
        expect(refusal(key), key).to.match(/is uppercase; the canonical key is hf:x\.$/);
    });

    it("refuses a space first or last in any key, with the canonical key", () => {
      expect(refusal("hf:meta-llama/llama-3.1-8b ")).to.match(
        /: the key ends with a space; the canonical key is hf:meta-llama\/llama-3\.1-8b\.$/,
      );
      expect(refusal(" hf:x")).to.match(/: the key starts with a space; the canonical key is hf:x\.$/);
      expect(refusal("gh:Org/Repo ")).to.match(/ends with a space; the canonical key is gh:Org\/Repo\.$/);
      expect(refusal(" ")).to.match(/: the key starts with a space\.$/);
    });

    it("refuses a space inside an hf: key, with no canonical key to offer", () => {
      expect(refusal("hf:meta-llama/llama 3.1")).to.match(
        /: hf: keys have no spaces \(Hugging Face repository ids have none\): a space at offset 19\.$/,
      );
      expect(refusal("HF:Meta Llama")).to.match(/byte 'H' at offset 0 is uppercase\.$/);
    });

    it("agrees with the rule on random keys, lookalikes and hf: keys frequent among them", () => {
      const next = random(0x5eed);
      const alphabet = [" ", "A", "Z", "a", "z", "-", "/", ":", "h", "H", "f", "F", "~", "\t", "\u007f", "é"];
      let accepted = 0;
      for (let run = 0; run < 5000; run++) {
        const prefix = ["", "hf:", "HF:", "hF:", "gh:", " hf:"][next(6)]!;
        const length = next(8) === 0 ? 120 + next(16) : next(12);
        const key = prefix + Array.from({ length }, () => alphabet[next(alphabet.length)]).join("");
        expect(accepts(key), JSON.stringify(key)).to.equal(isCanonical(key));
        if (isCanonical(key)) accepted++;
      }
      expect(accepted).to.be.greaterThan(100);
    });
  });

  describe("canonicalKey", () => {
    it("turns what a user types into the one key of the model", () => {
      expect(canonicalKey("HF:Meta-Llama/Llama-3.1-8B")).to.equal("hf:meta-llama/llama-3.1-8b");
      expect(canonicalKey("  hf:Meta-Llama/llama-3.1-8b\t\n")).to.equal("hf:meta-llama/llama-3.1-8b");
      expect(modelId(canonicalKey("Hf:Meta-Llama/Llama-3.1-8B "))).to.equal(modelId("hf:meta-llama/llama-3.1-8b"));
    });

    it("keeps the case of other namespaces and only trims them", () => {
      expect(canonicalKey(" gh:Org/Repo ")).to.equal("gh:Org/Repo");
      expect(canonicalKey("HF-mirror:Org/Name")).to.equal("HF-mirror:Org/Name");
    });

    it("leaves what it cannot fix for validateKey to name", () => {
      expect(canonicalKey("hf:meta llama")).to.equal("hf:meta llama");
      // Only ASCII letters fold: a non-ASCII letter stays (and is refused), it never becomes another ASCII key.
      expect(canonicalKey("hf:\u0130stanbul")).to.equal("hf:\u0130stanbul");
      expect(refusal(canonicalKey("hf:\u0130stanbul"))).to.match(/is not printable ASCII/);
    });

    it("is idempotent and makes every fixable printable key canonical", () => {
      const next = random(0xca11);
      const alphabet = [" ", "A", "Q", "Z", "a", "q", "-", "/", ":", "~", "h", "H", "f", "F"];
      for (let run = 0; run < 5000; run++) {
        const prefix = ["", "hf:", "HF:", "Hf:", " gh:", "  HF:"][next(6)]!;
        const body = Array.from({ length: 1 + next(20) }, () => alphabet[next(alphabet.length)]).join("");
        const input = `${" ".repeat(next(3))}${prefix}${body}${" ".repeat(next(3))}`;
        const key = canonicalKey(input);
        expect(canonicalKey(key), JSON.stringify(input)).to.equal(key);
        // Only a space inside an hf: key (or nothing left after trimming) remains to refuse.
        const fixable = key.length > 0 && !(/^hf:/.test(key) && key.includes(" "));
        expect(accepts(key), JSON.stringify(input)).to.equal(fixable);
      }
    });
  });
});
