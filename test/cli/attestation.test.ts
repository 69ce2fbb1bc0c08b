/**
 * The card binding (what a repository names as steward) and attestation files (signed by local keys, merged in the
 * registry's signer order), without a chain: the registry's own check of the digest is test/cli/commands.test.ts's.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { getAddress, keccak256, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  attestationJson,
  attestationTypedData,
  mergeAttestations,
  readAttestation,
  type Attestation,
  type AttestationStatement,
} from "../../src/cli/attestation.js";
import { bindingInstructions, readCardBinding } from "../../src/cli/cardBinding.js";
import { CliError } from "../../src/cli/shared.js";
import { modelId } from "../../src/core/modelId.js";

const STEWARD = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
const OTHER = getAddress("0x15d34aaf54267db7d7c367839aaf71a00a2c6a65");
/** Two of Hardhat's well-known test keys (public knowledge): accounts 8 and 9. */
const KEYS: Hex[] = [
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

describe("card binding and attestation files", function () {
  let dir = "";
  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "stemma-cards-"));
  });
  after(async function () {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const writeRepository = async (org: string, name: string, files: Record<string, string>) => {
    await mkdir(join(dir, org, name), { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, org, name, file), text);
  };

  it("reads the steward from the card's stemma: section or stemma.json, hashing the file that names it", async function () {
    const card = `---\nlicense: mit\nstemma:\n  steward: ${STEWARD.toLowerCase()}\n  upstream: 10%\n---\n# Model\n`;
    await writeRepository("Org", "Model-7B", { "README.md": card });
    // The hub's repository ids are case-insensitive: the mirror's folder is found whatever the key's case.
    const binding = await readCardBinding(dir, "hf:org/model-7b");
    assert.equal(binding.steward, STEWARD);
    assert.equal(binding.revision, keccak256(toHex(card)));

    const json = `{"steward": "${STEWARD}"}\n`;
    await writeRepository("org2", "File-7B", { "README.md": "# no front matter\n", "stemma.json": json });
    const fromFile = await readCardBinding(dir, "hf:org2/file-7b");
    assert.equal(fromFile.steward, STEWARD);
    assert.equal(fromFile.revision, keccak256(toHex(json)));

    await writeRepository("org3", "Unnamed-7B", { "README.md": "---\nlicense: mit\n---\n" });
    assert.equal((await readCardBinding(dir, "hf:org3/unnamed-7b")).steward, undefined);
    assert.ok(bindingInstructions("hf:org3/unnamed-7b", STEWARD).includes(`    steward: "${STEWARD}"`));
  });

  it("refuses two different stewards, a missing card, a malformed stemma.json and keys without a repository", async function () {
    await writeRepository("org4", "Two-7B", {
      "README.md": `---\nstemma: { steward: "${STEWARD}" }\n---\n`,
      "stemma.json": JSON.stringify({ steward: OTHER }),
    });
    const refusal = async (key: string, pattern: RegExp) =>
      await assert.rejects(
        readCardBinding(dir, key),
        (error) => error instanceof CliError && pattern.test(error.message),
      );
    await refusal("hf:org4/two-7b", /names two stewards: 0x90F7.* in .*README\.md and 0x15d3.* in .*stemma\.json/);
    await refusal(
      "hf:nobody/Missing",
      /^no model card for hf:nobody\/Missing in .*: expected .*nobody\/Missing\/README\.md/,
    );
    await writeRepository("org6", "Typo-7B", { "README.md": `---\nstemma:\n  stewart: "${STEWARD}"\n---\n` });
    await refusal("hf:org6/typo-7b", /README\.md: stemma\.stewart is not a known field \(did you mean "steward"\?\)/);
    await writeRepository("org5", "Bad-7B", { "stemma.json": "{steward: 0x}" });
    await refusal("hf:org5/bad-7b", /stemma\.json is not JSON .*: write it as \{"steward": "0x..."\}/);
    await refusal("local:my-model", /^local:my-model is not a Hugging Face key \(hf:org\/name\)/);
    await refusal("hf:../escape", /is not a Hugging Face key/);
  });

  it("merges the attesters' files into one proof, signatures in ascending signer order, and refuses a tampered one", async function () {
    const statement: AttestationStatement = {
      key: "hf:org/model-7b",
      modelId: modelId("hf:org/model-7b"),
      steward: STEWARD,
      revision: keccak256(toHex("card")),
      nonce: 0,
      deadline: 2_000_000_000n,
      chainId: 31337,
      registry: getAddress("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"),
    };
    const files: string[] = [];
    const signers = KEYS.map((key) => privateKeyToAccount(key));
    for (const [index, account] of signers.entries()) {
      const signature = await account.signTypedData(attestationTypedData(statement));
      const attestation: Attestation = { ...statement, signatures: [{ signer: account.address, signature }] };
      files.push(join(dir, `attester-${index}.json`));
      await writeFile(files.at(-1)!, attestationJson(attestation));
    }
    // Given in descending signer order, merged ascending, each signer once.
    const read = await Promise.all(files.map(readAttestation));
    const descending = [...read].sort((a, b) =>
      BigInt(a.signatures[0]!.signer) > BigInt(b.signatures[0]!.signer) ? -1 : 1,
    );
    const merged = mergeAttestations([...descending, descending[0]!]);
    const order = merged.signatures.map((entry) => BigInt(entry.signer));
    assert.equal(order.length, 2);
    assert.ok(order[0]! < order[1]!);
    assert.equal(merged.deadline, 2_000_000_000n);

    assert.throws(
      () => mergeAttestations([read[0]!, { ...read[1]!, revision: keccak256(toHex("another card")) }]),
      /: the attestations disagree on revision \(0x/,
    );
    const tampered = join(dir, "tampered.json");
    await writeFile(tampered, attestationJson({ ...read[0]!, steward: OTHER }));
    await assert.rejects(
      readAttestation(tampered),
      /is not an attestation: the signature said to be 0x.*'s was made by 0x/,
    );
  });
});
