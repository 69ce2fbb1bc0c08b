/**
 * `stemma dispute <model> --evidence FILE|0xHASH`: raises a dispute on a model, paying the bond the registry asks of
 * that model (doubled per dismissed dispute on it). The contested epoch waits until the DAO upholds or dismisses the
 * dispute, or a guardian dismisses it (`stemma dispute --dismiss ID`).
 */
import { readFile } from "node:fs/promises";

import { formatEther, isHex, keccak256, parseEventLogs, zeroHash, type Hex } from "viem";

import { CHAIN_HELP, parseCommand, type ChainFlagValues } from "./chainFlags.js";
import { readChainLedger } from "./chainLedger.js";
import { connect } from "./connect.js";
import { resolveModel } from "./modelRef.js";
import { stdout, type Output } from "./output.js";
import { CliError } from "./shared.js";
import { resolveSigner } from "./signer.js";
import { sendContractCall } from "./transaction.js";

export const DISPUTE_HELP = `Usage: stemma dispute <model key|id> --evidence FILE|0xHASH
       stemma dispute --dismiss DISPUTE_ID                         (guardians)

Raises a dispute on an active model, with the hash of the evidence and the bond the registry asks of the model
(paid in ETH): the DAO's base bond, doubled for every dispute on the model that was dismissed. While the dispute is
open the model still accepts payments and its upstream still flows to its parents, but its current epoch cannot be
claimed. The DAO dismisses it (the bond goes to the treasury, the model gets a cool-down) or upholds it (the model is
revoked, the contested epoch's funds go to a beneficiary, the bond comes back). A guardian the DAO appointed can
dismiss a dispute at once (never uphold it).

  --evidence FILE     a file with the evidence: its keccak256 is recorded (publish the file where the DAO sees it)
  --evidence 0xHASH   the 32-byte hash of evidence published elsewhere
  --dismiss ID        dismiss dispute ID (the signer must hold the guardian role)

  stemma dispute hf:someone/stolen-finetune --evidence evidence.pdf

${CHAIN_HELP}
`;

export async function dispute(argv: string[], say: Output = stdout): Promise<number> {
  const { values, positionals } = parseCommand(argv, { evidence: { type: "string" }, dismiss: { type: "string" } });
  if (values.help) {
    say(DISPUTE_HELP.trimEnd());
    return 0;
  }
  if (values.dismiss !== undefined) {
    if (values.evidence !== undefined || positionals.length > 0)
      throw new CliError("--dismiss takes only the dispute's id: stemma dispute --dismiss DISPUTE_ID.");
    return await dismiss(values.dismiss, values, say);
  }
  if (!values.evidence) throw new CliError("give the evidence: --evidence FILE or --evidence 0xHASH (32 bytes).");
  const evidenceHash = await evidenceHashOf(values.evidence);
  const context = await connect(values);
  const chain = await readChainLedger(context);
  const { id, key } = resolveModel(positionals[0], chain, "stemma dispute <model key|id> --evidence FILE|0xHASH");
  const signer = await resolveSigner(context, values);
  const { registry, abi, publicClient } = context;
  const bond = await publicClient.readContract({
    address: registry,
    abi: abi.registry,
    functionName: "disputeBondFor",
    args: [id],
  });
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
  say(
    `Dispute ${disputeId} is open: ${key}'s current epoch waits until the DAO resolves it (or a guardian dismisses it).`,
  );
  return 0;
}

/** A guardian's dismissal: the model is active again, with a cool-down, and the next bond on it doubles. */
async function dismiss(idText: string, values: ChainFlagValues, say: Output): Promise<number> {
  if (!/^\d+$/.test(idText) || BigInt(idText) === 0n)
    throw new CliError(`--dismiss takes a dispute id (a number from 1), not "${idText}".`);
  const disputeId = BigInt(idText);
  const context = await connect(values);
  const chain = await readChainLedger(context);
  const signer = await resolveSigner(context, values);
  const { registry, abi, publicClient } = context;
  const record = await publicClient.readContract({
    address: registry,
    abi: abi.registry,
    functionName: "dispute",
    args: [disputeId],
  });
  if (record.modelId === zeroHash)
    throw new CliError(`no dispute has id ${disputeId}: check the number stemma dispute printed.`);
  const key = chain.keyOf(record.modelId);
  await sendContractCall(
    context,
    signer,
    {
      label: `Dismissing dispute ${disputeId} on ${key} as a guardian (${signer.address})`,
      address: registry,
      abi: abi.registry,
      functionName: "dismissDispute",
      args: [disputeId],
    },
    say,
    chain.keyOf,
  );
  const next = await publicClient.readContract({
    address: registry,
    abi: abi.registry,
    functionName: "disputeBondFor",
    args: [record.modelId],
  });
  say(
    `Dispute ${disputeId} is dismissed: ${key} is active again; a new dispute on it needs a bond of ${formatEther(next)} ETH after its cool-down.`,
  );
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
