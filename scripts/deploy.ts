/**
 * `npm run deploy`: deploys the whole system (DAO and ledger) with Hardhat Ignition and writes
 * `deployments/<network>.json`, where the indexer and the CLI find the addresses and the start block.
 *
 *   npm run chain                                   # terminal 1: a local node on 127.0.0.1:8545
 *   npm run deploy                                  # terminal 2: local parameters, network localhost
 *   STEMMA_PARAMETERS=production npx hardhat run --network <name> scripts/deploy.ts
 *
 * `stemma deploy` runs it with these, all optional: STEMMA_DEPLOY_RPC_URL (overrides the network's URL),
 * STEMMA_PRIVATE_KEY (deploys from that key instead of the network's accounts), STEMMA_DEPLOY_RECORD (where to write
 * the record instead of deployments/<network>.json).
 */
import { network } from "hardhat";

import { deploymentRecordPath, writeDeploymentRecord } from "../src/chain/deploymentRecord.js";
import { deployStemma } from "./deploy/deployStemma.js";

try {
  const url = process.env.STEMMA_DEPLOY_RPC_URL;
  const key = process.env.STEMMA_PRIVATE_KEY;
  const connection = await network.create(
    url || key ? { override: { ...(url ? { url } : {}), ...(key ? { accounts: [key] } : {}) } } : undefined,
  );
  const parameterSet = process.env.STEMMA_PARAMETERS ?? "local";
  console.log(`Deploying Stemma to ${connection.networkName} with the "${parameterSet}" parameters...`);
  const { record } = await deployStemma(connection, { parameterSet });

  console.table(
    Object.fromEntries(
      Object.entries(record.contracts).map(([name, { address, block }]) => [name, { address, block }]),
    ),
  );
  if (connection.networkConfig.type === "http") {
    const path = process.env.STEMMA_DEPLOY_RECORD || deploymentRecordPath(connection.networkName);
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
