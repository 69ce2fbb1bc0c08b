/**
 * `npm run propose`: runs a proposal through its whole life (propose, vote, queue, execute) on the local node, with
 * the local allocation's holders voting For. The proposal is a JSON file (see proposals/):
 *
 *   { "description": "...", "calls": [{ "contract": "RevenueRouter", "function": "setFee", "args": [20000] }] }
 *
 * `contract` is one of the deployment's contracts (or an address, with `abi` naming an artifact); `value` (wei, as
 * a string) is optional. Usage: `PROPOSAL=proposals/set-fee.json npm run propose`.
 */
import { readFile } from "node:fs/promises";

import hre, { network } from "hardhat";
import { isAddress, type Address } from "viem";

import { deploymentRecordPath, readDeploymentRecord, STEMMA_CONTRACTS } from "../src/chain/deploymentRecord.js";
import { proposalCall, runProposal, type ProposalCall } from "../src/chain/runProposal.js";

type ProposalFile = {
  description: string;
  calls: { contract: string; function: string; args?: unknown[]; value?: string; abi?: string }[];
};

try {
  const file = process.env.PROPOSAL;
  if (!file) throw new Error("Set PROPOSAL to a proposal file, e.g. PROPOSAL=proposals/set-fee.json npm run propose.");
  const proposal = JSON.parse(
    await readFile(file, "utf8").catch(() => {
      throw new Error(`No proposal file at ${file}: see proposals/ for examples.`);
    }),
  ) as ProposalFile;
  if (typeof proposal.description !== "string" || !Array.isArray(proposal.calls) || proposal.calls.length === 0) {
    throw new Error(`${file}: a proposal needs a "description" and at least one entry in "calls".`);
  }

  const connection = await network.create();
  const record = await readDeploymentRecord(deploymentRecordPath(connection.networkName));
  const { viem } = connection;
  const publicClient = await viem.getPublicClient();
  if ((await publicClient.getChainId()) !== 31337) {
    throw new Error("npm run propose mines blocks and moves time: it only runs on a local Hardhat chain (31337).");
  }

  const calls: ProposalCall[] = [];
  for (const [i, call] of proposal.calls.entries()) {
    const known = (STEMMA_CONTRACTS as readonly string[]).includes(call.contract);
    if (!known && !isAddress(call.contract)) {
      throw new Error(`${file}: calls[${i}].contract must be one of ${STEMMA_CONTRACTS.join(", ")} or an address.`);
    }
    const target = known ? record.contracts[call.contract as (typeof STEMMA_CONTRACTS)[number]].address : call.contract;
    const { abi } = await hre.artifacts.readArtifact(known ? call.contract : (call.abi ?? call.contract));
    calls.push({
      ...proposalCall(target as Address, abi, call.function, call.args ?? []),
      value: BigInt(call.value ?? 0),
    });
  }

  // The local allocation's holders (accounts 0-3) delegate to themselves, then vote.
  const voters = (await viem.getWalletClients()).slice(0, 4);
  const token = await viem.getContractAt("StemmaToken", record.contracts.StemmaToken.address);
  for (const voter of voters) {
    if ((await token.read.delegates([voter.account.address])) !== voter.account.address) {
      await publicClient.waitForTransactionReceipt({
        hash: await token.write.delegate([voter.account.address], { account: voter.account }),
      });
    }
  }
  await runProposal({
    publicClient,
    testClient: await viem.getTestClient(),
    governor: record.contracts.StemmaGovernor.address,
    proposer: voters[0]!,
    voters,
    calls,
    description: proposal.description,
    log: (line) => console.log(line),
  });
} catch (error) {
  // A one-line reason instead of a stack trace: every error raised here says what to fix.
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
