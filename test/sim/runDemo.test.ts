import assert from "node:assert/strict";

import { network } from "hardhat";

import { runDemo } from "../../src/sim/runDemo.js";
import { demoParameters } from "../../scripts/demo/demoParameters.js";

describe("runDemo (npm start)", function () {
  it("runs the demo lineage, the DAO's placeholder assignment included, with the engine equal to the chain", async function () {
    const lines: string[] = [];
    const report = await runDemo(await demoParameters(await network.create(), (line) => lines.push(line)));
    assert.equal(report.mirrorMatches, true);
    assert.equal(report.conserved, true);
    // The placeholder's escrow went to its author by proposal: 40% of the 30% upstream of the merge's 4,950 TUSD.
    const mia = report.owed.find((row) => row.label.startsWith("Mia"));
    assert.equal(mia?.amounts.TUSD, 594_000_000n);
    assert.ok(lines.some((line) => line.includes("executed (transaction")));
  });
});
