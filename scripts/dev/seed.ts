/**
 * `stemma dev`'s deploy-and-seed step, run by the CLI as `hardhat run --network localhost scripts/dev/seed.ts`
 * against the `hardhat node` it started: deploys the whole system with the local parameters (Ignition), runs the
 * demo lineage (src/sim/runDemo.ts) on it, and writes what the indexer and the CLI need:
 *
 *   STEMMA_DEV_RPC_URL   the node's URL                          [http://127.0.0.1:8545]
 *   STEMMA_DEV_RECORD    where to write the deployment record    [.stemma/dev/deployment.json]
 *   STEMMA_DEV_REPORT    where to write the demo's report (JSON) [.stemma/dev/demo.json]
 *   STEMMA_DEV_CARDS     the card folder the demo writes its models' cards into, for the attester [.stemma/dev/cards]
 *
 * Hardhat-dependent, so it lives in scripts/ (src/ may not import Hardhat); the CLI only reads the two files (and
 * points users at the cards, which `stemma attest` reads).
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import { network } from "hardhat";

import { writeDeploymentRecord } from "../../src/chain/deploymentRecord.js";
import { runDemo } from "../../src/sim/runDemo.js";
import { demoParameters } from "../demo/demoParameters.js";

const url = process.env.STEMMA_DEV_RPC_URL ?? "http://127.0.0.1:8545";
const recordPath = process.env.STEMMA_DEV_RECORD ?? ".stemma/dev/deployment.json";
const reportPath = process.env.STEMMA_DEV_REPORT ?? ".stemma/dev/demo.json";
const cardsDir = process.env.STEMMA_DEV_CARDS ?? ".stemma/dev/cards";

try {
  const connection = await network.create({ network: "localhost", override: { url } });
  console.log(`Deploying the stewardship DAO and the ledger to ${url} with Hardhat Ignition (local parameters)...`);
  const { record, ...parameters } = await demoParameters(connection, (line) => console.log(line), cardsDir);
  await writeDeploymentRecord(recordPath, record);
  console.log(`Seeding the demo lineage...`);
  const report = await runDemo(parameters);
  if (!report.mirrorMatches || !report.conserved || !Object.values(report.verified).every(Boolean)) {
    throw new Error("the demo found a mismatch between the engine and the chain: this is a bug, please report it");
  }
  await mkdir(dirname(reportPath), { recursive: true });
  const temporary = `${reportPath}.${process.pid}.tmp`;
  await writeFile(
    temporary,
    `${JSON.stringify(report, (_key, value) => (typeof value === "bigint" ? value.toString() : value), 2)}\n`,
  );
  await rename(temporary, reportPath);
} catch (error) {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
