/**
 * `npm run deploy`: deploys the whole system (DAO and ledger) with Hardhat Ignition and writes
 * `deployments/<network>.json`, where the indexer and the CLI find the addresses and the start block.
 *
 *   npm run chain                                   # terminal 1: a local node on 127.0.0.1:8545
 *   npm run deploy                                  # terminal 2: local parameters, network localhost
 *   STEMMA_PARAMETERS=production npx hardhat run --network <name> scripts/deploy.ts
 */
import { network } from "hardhat";

import { deploymentRecordPath, writeDeploymentRecord } from "../src/chain/deploymentRecord.js";
import { deployStemma } from "./deploy/deployStemma.js";

try {
  const connection = await network.create();
  const parameterSet = process.env.STEMMA_PARAMETERS ?? "local";
  console.log(`Deploying Stemma to ${connection.networkName} with the "${parameterSet}" parameters...`);
  const { record } = await deployStemma(connection, { parameterSet });

  console.table(
    Object.fromEntries(
      Object.entries(record.contracts).map(([name, { address, block }]) => [name, { address, block }]),
    ),
  );
  if (connection.networkConfig.type === "http") {
    const path = deploymentRecordPath(connection.networkName);
    await writeDeploymentRecord(path, record);
    console.log(`Wrote ${path} (chain ${record.chainId}, start block ${record.startBlock}).`);
  } else {
    console.log("The in-process chain ends with this script, so no deployment record was written (use --network).");
  }
} catch (error) {
  // A one-line reason instead of a stack trace: every error raised here says what to fix.
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
