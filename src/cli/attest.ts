/**
 * `stemma attest <key> --cards DIR`: the attester's command. Reads the steward the model's repository names (a local
 * card folder: a mirror of the hub), signs the EIP-712 attestation for the model's current nonce with the attester's
 * key, and prints it as JSON (or writes it with --out) for the steward to submit with `stemma verify`.
 */
import { writeFile } from "node:fs/promises";
import { isHex, pad, type Hex } from "viem";

import { canonicalKey } from "../core/canonicalKey.js";
import { attestationJson, attestFromCards, walletSigner } from "./attestation.js";
import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { connect } from "./connect.js";
import { stdout, type Output } from "./output.js";
import { CliError } from "./shared.js";
import { resolveSigner } from "./signer.js";

export const ATTEST_HELP = `Usage: stemma attest <key> --cards DIR [--out FILE]

For attesters that governance appointed. Reads the steward that the model's repository names (its model card's
front matter, stemma: { steward: "0x..." }, or a stemma.json file next to the card) and signs an attestation that
the steward controls the key, for the model's current nonce (0 before it is registered). The steward submits it
with stemma verify <key> --proof FILE. The signer (same key handling as every command) must be an attester.

  --cards DIR        a local card folder, a mirror of the hub: DIR/<org>/<name>/README.md for hf:org/name
  --revision 0xHASH  the repository revision read (a commit hash, up to 32 bytes)
                                               [keccak256 of the file that names the steward]
  --valid-days N     how long the attestation may be used                                            [7]
  --out FILE         write the attestation there instead of printing it

  stemma attest hf:stemma-demo/llama-3.1-8b-medical --cards .stemma/dev/cards --account 9 --out medical.json

${CHAIN_HELP}
`;

const DAY = 86_400n;

function revisionFlag(value: string): Hex {
  const hex = value.startsWith("0x") ? value : `0x${value}`;
  if (!isHex(hex) || hex.length < 4 || hex.length > 66 || hex.length % 2 !== 0)
    throw new CliError(`--revision must be a hash of at most 32 bytes in hex (a commit hash, say), not "${value}".`);
  return pad(hex.toLowerCase() as Hex, { size: 32 });
}

export async function attest(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    cards: { type: "string" },
    revision: { type: "string" },
    "valid-days": { type: "string", default: "7" },
    out: { type: "string" },
  });
  if (values.help) {
    say(ATTEST_HELP.trimEnd());
    return 0;
  }
  const [typed, extra] = positionals;
  if (!typed || extra !== undefined) throw new CliError("name one model: stemma attest <key> --cards DIR.");
  const key = canonicalKey(typed);
  if (!values.cards) throw new CliError("say where the model cards are: --cards DIR (DIR/<org>/<name>/README.md).");
  const days = values["valid-days"];
  if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 365)
    throw new CliError(`--valid-days must be a whole number of days from 1 to 365, not "${days}".`);
  const revision = values.revision === undefined ? undefined : revisionFlag(values.revision);
  const context = await connect(values);
  const signer = await resolveSigner(context, values);
  const { attestation, binding } = await attestFromCards({
    publicClient: context.publicClient,
    registry: context.registry,
    cards: values.cards,
    key,
    signer: walletSigner(signer.wallet),
    revision,
    validFor: BigInt(days) * DAY,
  });
  const json = attestationJson(attestation);
  if (values.out) {
    await writeFile(values.out, json);
    say(
      `Attested: ${key} is stewarded by ${attestation.steward} (${binding.file}, revision ${attestation.revision}, nonce ${attestation.nonce}), signed by ${signer.address} (${signer.source}); written to ${values.out}.`,
    );
  } else say(json.trimEnd());
  return 0;
}
