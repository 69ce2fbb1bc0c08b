import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";

import { runDemo } from "../../src/sim/runDemo.js";
import { demoParameters } from "../../scripts/demo/demoParameters.js";

describe("runDemo (npm start)", function () {
  let cards = "";
  before(async function () {
    cards = await mkdtemp(join(tmpdir(), "stemma-demo-cards-"));
  });
  after(async function () {
    if (cards) await rm(cards, { recursive: true, force: true });
  });

  it("runs the demo lineage verified from its cards, the placeholder claimed by its authors, with the engine equal to the chain", async function () {
    const lines: string[] = [];
    const report = await runDemo(await demoParameters(await network.create(), (line) => lines.push(line), cards));
    assert.equal(report.mirrorMatches, true);
    assert.equal(report.conserved, true);
    // Every model, the placeholder included, is verified: its steward is the one its card names.
    const keys = Object.values(report.models);
    assert.deepEqual(Object.keys(report.verified).sort(), [...keys].sort());
    assert.ok(Object.values(report.verified).every(Boolean), JSON.stringify(report.verified));
    assert.match(
      await readFile(join(cards, "stemma-demo", "llama-3.1-8b-medical", "README.md"), "utf8"),
      /stemma:\n {2}steward: "0x/,
    );
    assert.match(await readFile(join(cards, "mistralai", "mistral-7b-v0.3", "stemma.json"), "utf8"), /"steward":"0x/);
    // The placeholder's escrow went to its author by their claim: 40% of the 30% upstream of the merge's 4,950 TUSD.
    const mia = report.owed.find((row) => row.label.startsWith("Mia"));
    assert.equal(mia?.amounts.TUSD, 594_000_000n);
    assert.ok(!report.owed.some((row) => row.label.startsWith("attester")), "the attester is owed nothing");
    // The one governance action left: the DAO appoints a guardian.
    assert.ok(lines.some((line) => line.includes("executed (transaction")));
    assert.ok(lines.some((line) => line.includes("Every model is verified (its steward attested from its card): yes")));
  });
});
