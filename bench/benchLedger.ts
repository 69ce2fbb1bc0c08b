/**
 * The ledger the chain benchmarks run against: a `hardhat node` with the router (1% fee), the registry (no dispute
 * bond, no attesters, no trust periods) and a BulkPayer that makes many payments in one transaction.
 */
import { network } from "hardhat";

import { startHardhatNode } from "../test/helpers/hardhatNode.js";

/** Starts the node and deploys the three contracts; `startBlock` is the block before the registry's deployment. */
export async function deployBenchLedger() {
  const node = await startHardhatNode();
  const connection = await network.create({ network: "localhost", override: { url: node.url } });
  const { viem } = connection;
  const publicClient = await viem.getPublicClient();
  const [admin, treasury, payer] = await viem.getWalletClients();
  if (!admin || !treasury || !payer) throw new Error("the node has too few accounts");
  const router = await viem.deployContract("RevenueRouter", [admin.account.address, treasury.account.address, 10_000]);
  const startBlock = Number(await publicClient.getBlockNumber());
  const registry = await viem.deployContract("ModelRegistry", [
    admin.account.address,
    router.address,
    0n,
    [],
    0,
    { provisional: 0, disputeCooldown: 0, epochRenewal: 0 },
  ]);
  await router.write.bindRegistry([registry.address]);
  const bulk = await viem.deployContract("BulkPayer", [router.address]);
  return { node, connection, viem, publicClient, admin, treasury, payer, router, registry, bulk, startBlock };
}
