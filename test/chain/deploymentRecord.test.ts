import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";

import { deploymentRecordPath, readDeploymentRecord, writeDeploymentRecord } from "../../src/chain/deploymentRecord.js";
import { deployStemma } from "../../scripts/deploy/deployStemma.js";

describe("deployment records (src/chain/deploymentRecord.ts)", function () {
  let root: string;

  beforeEach(async function () {
    root = await mkdtemp(join(tmpdir(), "stemma-deployments-"));
  });

  afterEach(async function () {
    await rm(root, { recursive: true, force: true });
  });

  it("writes what the deployment produced and reads it back: addresses with code, blocks, start block", async function () {
    const connection = await network.create();
    const { record } = await deployStemma(connection);
    const path = deploymentRecordPath("localhost", root);
    assert.equal(path, join(root, "deployments", "localhost.json"));
    await writeDeploymentRecord(path, record);
    const read = await readDeploymentRecord(path);
    assert.deepEqual(read, record);

    const blocks = Object.values(read.contracts).map(({ block }) => block);
    assert.equal(read.startBlock, Math.min(...blocks));
    for (const { address, block } of Object.values(read.contracts)) {
      assert.notEqual(await connection.ethers.provider.getCode(address, block), "0x");
      assert.equal(await connection.ethers.provider.getCode(address, block - 1), "0x");
    }
  });

  it("says how to get a record when there is none", async function () {
    await assert.rejects(
      readDeploymentRecord(join(root, "deployments", "nowhere.json")),
      /No deployment record at .*nowhere\.json: deploy first \(npm run deploy/,
    );
  });

  it("names the broken field of a damaged record", async function () {
    const path = join(root, "broken.json");
    await writeFile(path, "{ not json");
    await assert.rejects(readDeploymentRecord(path), /broken\.json is invalid: not JSON\. Deploy again/);
    await writeFile(path, JSON.stringify({ chainId: 31337, startBlock: 1, contracts: {} }));
    await assert.rejects(readDeploymentRecord(path), /contracts\.StemmaToken is missing or malformed/);
  });
});
