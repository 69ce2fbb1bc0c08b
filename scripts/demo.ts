/**
 * `npm run demo`: the whole system (DAO and ledger, deployed by the Ignition module with the local parameters) on
 * Hardhat's in-process chain, with a small demo lineage (see src/sim/runDemo.ts). Exits non-zero if the engine and
 * the chain disagree or a wei is unaccounted for.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";

import { runDemo } from "../src/sim/runDemo.js";
import { demoParameters } from "./demo/demoParameters.js";

// The models' cards live only as long as the in-process chain does.
const cards = await mkdtemp(join(tmpdir(), "stemma-demo-cards-"));
try {
  console.log("Deploying the stewardship DAO and the ledger with Hardhat Ignition (local parameters)...");
  const report = await runDemo(await demoParameters(await network.create(), (line) => console.log(line), cards));
  if (!report.mirrorMatches || !report.conserved || !Object.values(report.verified).every(Boolean)) {
    console.error("The demo found a mismatch between the engine and the chain: this is a bug, please report it.");
    process.exitCode = 1;
  }
} finally {
  await rm(cards, { recursive: true, force: true });
}
