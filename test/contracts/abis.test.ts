import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

import { ABI_MODULE_PATH, renderAbiModule } from "../../scripts/codegen/abiModule.js";

describe("generated ABIs (src/contracts/abis.ts)", function () {
  it("equal what the compiled contracts give: run npm run codegen after changing a contract's interface", async function () {
    const checkedIn = await readFile(ABI_MODULE_PATH, "utf8");
    assert.equal(checkedIn, await renderAbiModule(process.cwd()), `${ABI_MODULE_PATH} is stale: npm run codegen`);
  });
});
