/**
 * `stemma dispute <model> --evidence FILE|0xHASH`: raises a dispute on a model, paying the current bond. The model
 * is frozen (payments still arrive, nothing leaves) until the DAO dismisses the dispute or upholds it.
 */
import { readFile } from "node:fs/promises";

import { formatEther, isHex, keccak256, parseEventLogs, type Hex } from "viem";

import { CHAIN_HELP, parseCommand } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect } from "./connect.js";
import { resolveModel } from "./modelRef.js";
import { stdout, type Output } from "./output.js";
import { CliError } from "./shared.js";
import { resolveSigner } from "./signer.js";
import { sendContractCall } from "./transaction.js";

export const DISPUTE_HELP = `Usage: stemma dispute <model key|id> --evidence FILE|0xHASH

Raises a dispute on an active model, with the hash of the evidence and the bond the DAO set (paid in ETH). While
the dispute is open the model still accepts payments, but nothing leaves it. The DAO dismisses it (the bond goes to
the treasury) or upholds it (the model is revoked, its funds go to a beneficiary, the bond comes back).

  --evidence FILE     a file with the evidence: its keccak256 is recorded (publish the file where the DAO sees it)
  --evidence 0xHASH   the 32-byte hash of evidence published elsewhere

  stemma dispute hf:someone/stolen-finetune --evidence evidence.pdf

${CHAIN_HELP}
`;

export async function dispute(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, { evidence: { type: "string" } });
  if (values.help) {
    say(DISPUTE_HELP.trimEnd());
    return 0;
  }
  if (!values.evidence) throw new CliError("give the evidence: --evidence FILE or --evidence 0xHASH (32 bytes).");
  const evidenceHash = await evidenceHashOf(values.evidence);
  const context = await connect(values);
  const chain = await readChainLedger(context);
  const { id, key } = resolveModel(positionals[0], chain, "stemma dispute <model key|id> --evidence FILE|0xHASH");
  const signer = await resolveSigner(context, values);
  const { registry, abi, publicClient } = context;
  const bond = await publicClient.readContract({ address: registry, abi: abi.registry, functionName: "disputeBond" });
  const receipt = await sendContractCall(
    context,
    signer,
    {
      label: `Raising a dispute on ${key} with a bond of ${formatEther(bond)} ETH (evidence ${evidenceHash})`,
      address: registry,
      abi: abi.registry,
      functionName: "raiseDispute",
      args: [id, evidenceHash],
      value: bond,
    },
    say,
    chain.keyOf,
  );
  const [raised] = parseEventLogs({ abi: abi.registry, logs: receipt.logs, eventName: "DisputeRaised" });
  const disputeId = raised?.args.disputeId;
  say(`Dispute ${disputeId} is open: ${key} is frozen until the DAO resolves it.`);
  return 0;
}

async function evidenceHashOf(evidence: string): Promise<Hex> {
  if (evidence.startsWith("0x")) {
    if (!isHex(evidence) || evidence.length !== 66) {
      throw new CliError(
        `--evidence ${evidence} is not a 32-byte hash (0x and 64 hex digits); give a file to hash it.`,
      );
    }
    return evidence.toLowerCase() as Hex;
  }
  try {
    return keccak256(await readFile(evidence));
  } catch {
    throw new CliError(`cannot read the evidence file ${evidence}: check the path, or give its hash as 0x....`);
  }
}
