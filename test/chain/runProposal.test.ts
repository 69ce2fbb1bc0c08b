import assert from "node:assert/strict";

import { network } from "hardhat";
import type { Address } from "viem";

import { proposalCall, runProposal } from "../../src/chain/runProposal.js";
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

describe("runProposal (src/chain)", function () {
  it("takes a proposal from propose to execute, on a chain with real parent hashes", async function () {
    const { record, wallets, router } = await networkHelpers.loadFixture(deployed);
    const publicClient = await viem.getPublicClient();
    const lines: string[] = [];
    const { executeGas } = await runProposal({
      publicClient,
      testClient: await viem.getTestClient(),
      governor: record.contracts.StemmaGovernor.address as Address,
      proposer: wallets[0]!,
      voters: wallets.slice(0, 2),
      calls: [proposalCall(router.address, router.abi, "setFee", [20_000])],
      description: "Fee 2%",
      log: (line) => lines.push(line),
    });
    assert.equal(await router.read.feePpm(), 20_000);
    assert.ok(executeGas > 0n);
    assert.deepEqual(
      lines.map((line) => line.split(" ")[0]),
      ["proposed", "2", "queued", "executed"],
    );
    const head = await publicClient.getBlock();
    const parent = await publicClient.getBlock({ blockNumber: head.number - 1n });
    assert.equal(head.parentHash, parent.hash);
  });

  it("refuses to propose the same calls with the same description twice, naming the earlier one's state", async function () {
    const { record, wallets, router } = await networkHelpers.loadFixture(deployed);
    const run = async () =>
      runProposal({
        publicClient: await viem.getPublicClient(),
        testClient: await viem.getTestClient(),
        governor: record.contracts.StemmaGovernor.address as Address,
        proposer: wallets[0]!,
        voters: wallets.slice(0, 2),
        calls: [proposalCall(router.address, router.abi, "setFee", [30_000])],
        description: "Fee 3%",
      });
    await run();
    await assert.rejects(run(), /already exists \(it is Executed\): change the description/);
  });

  it("says which state a proposal that did not pass ended in", async function () {
    const { record, wallets, router } = await networkHelpers.loadFixture(deployed);
    await assert.rejects(
      runProposal({
        publicClient: await viem.getPublicClient(),
        testClient: await viem.getTestClient(),
        governor: record.contracts.StemmaGovernor.address as Address,
        proposer: wallets[0]!,
        voters: [],
        calls: [proposalCall(router.address, router.abi, "setFee", [0])],
        description: "Nobody votes",
      }),
      /proposal "Nobody votes" did not pass: it is Defeated/,
    );
    assert.equal(await router.read.feePpm(), 10_000);
  });
});
