import hre from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import type { Hex } from "viem";

import type { DeploymentRecord } from "../../src/chain/deploymentRecord.js";
import type { RunDemoParameters } from "../../src/sim/runDemo.js";
import { deployStemma } from "../deploy/deployStemma.js";

/**
 * Deploys the whole system with the local parameters on `connection` and gathers what {runDemo} needs, plus the
 * deployment record (for the indexer, when the chain outlives the script).
 */
export async function demoParameters(
  connection: NetworkConnection,
  log: RunDemoParameters["log"],
): Promise<RunDemoParameters & { record: DeploymentRecord }> {
  const { viem } = connection;
  const { record } = await deployStemma(connection);
  const { contracts, startBlock } = record;
  return {
    record,
    publicClient: await viem.getPublicClient(),
    testClient: await viem.getTestClient(),
    wallets: await viem.getWalletClients(),
    system: {
      registry: contracts.ModelRegistry.address,
      router: contracts.RevenueRouter.address,
      governor: contracts.StemmaGovernor.address,
      votesToken: contracts.StemmaToken.address,
      timelock: contracts.StemmaTimelock.address,
      startBlock: BigInt(startBlock),
    },
    // Hardhat types an artifact's bytecode as a plain string.
    tokenBytecode: (await hre.artifacts.readArtifact("TestToken")).bytecode as Hex,
    log,
  };
}
