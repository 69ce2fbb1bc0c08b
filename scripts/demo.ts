/**
 * `npm start`: the ledger on Hardhat's in-process chain with a small demo lineage (see src/sim/runDemo.ts).
 * Exits non-zero if the engine and the chain disagree or a wei is unaccounted for.
 */
import hre, { network } from "hardhat";
import type { Hex } from "viem";
import { runDemo, type ContractArtifact } from "../src/sim/runDemo.js";

const artifact = async (name: string): Promise<ContractArtifact> => {
  const { abi, bytecode } = await hre.artifacts.readArtifact(name);
  return { abi, bytecode: bytecode as Hex };
};

const { viem } = await network.create();
const report = await runDemo({
  publicClient: await viem.getPublicClient(),
  wallets: await viem.getWalletClients(),
  artifacts: {
    ModelRegistry: await artifact("ModelRegistry"),
    RevenueRouter: await artifact("RevenueRouter"),
    TestToken: await artifact("TestToken"),
  },
  log: (line) => console.log(line),
});
if (!report.mirrorMatches || !report.conserved) {
  console.error("The demo found a mismatch between the engine and the chain: this is a bug, please report it.");
  process.exitCode = 1;
}
