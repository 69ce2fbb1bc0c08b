import assert from "node:assert/strict";

import { network } from "hardhat";
import type { Address } from "viem";

import { proposalCall, runProposal, type RunProposalParameters } from "../../src/chain/runProposal.js";
import { deployStemma } from "../../scripts/deploy/deployStemma.js";

const connection = await network.create();
const { viem, networkHelpers } = connection;

/** The system deployed with the local parameters, votes delegated, and viem handles on it. */
async function deployed() {
  const { record } = await deployStemma(connection);
  const wallets = await viem.getWalletClients();
  const token = await viem.getContractAt("StemmaToken", record.contracts.StemmaToken.address);
  for (const wallet of wallets.slice(0, 4)) {
    await token.write.delegate([wallet.account.address], { account: wallet.account });
  }
  const router = await viem.getContractAt("RevenueRouter", record.contracts.RevenueRouter.address);
  return { record, wallets, router };
}

/** Runs a proposal, as wallet 0 with wallets 0 and 1 voting unless `options` says otherwise, that sets the fee. */
async function proposeFee(
  { record, wallets, router }: Awaited<ReturnType<typeof deployed>>,
  feePpm: number,
  description: string,
  options: Partial<Pick<RunProposalParameters, "voters" | "log">> = {},
) {
  return runProposal({
    publicClient: await viem.getPublicClient(),
    testClient: await viem.getTestClient(),
    governor: record.contracts.StemmaGovernor.address as Address,
    proposer: wallets[0]!,
    voters: wallets.slice(0, 2),
    calls: [proposalCall(router.address, router.abi, "setFee", [feePpm])],
    description,
    ...options,
  });
}

describe("runProposal (src/chain)", function () {
  it("takes a proposal from propose to execute, on a chain with real parent hashes", async function () {
    const system = await networkHelpers.loadFixture(deployed);
    const lines: string[] = [];
    const { executeGas } = await proposeFee(system, 20_000, "Fee 2%", { log: (line) => lines.push(line) });
    assert.equal(await system.router.read.feePpm(), 20_000);
    assert.ok(executeGas > 0n);
    assert.deepEqual(
      lines.map((line) => line.split(" ")[0]),
      ["proposed", "2", "queued", "executed"],
    );
    const publicClient = await viem.getPublicClient();
    const head = await publicClient.getBlock();
    const parent = await publicClient.getBlock({ blockNumber: head.number - 1n });
    assert.equal(head.parentHash, parent.hash);
  });

  it("refuses to propose the same calls with the same description twice, naming the earlier one's state", async function () {
    const system = await networkHelpers.loadFixture(deployed);
    const run = () => proposeFee(system, 30_000, "Fee 3%");
    await run();
    await assert.rejects(run(), /already exists \(it is Executed\): change the description/);
  });

  it("says which state a proposal that did not pass ended in", async function () {
    const system = await networkHelpers.loadFixture(deployed);
    await assert.rejects(
      proposeFee(system, 0, "Nobody votes", { voters: [] }),
      /proposal "Nobody votes" did not pass: it is Defeated/,
    );
    assert.equal(await system.router.read.feePpm(), 10_000);
  });
});
