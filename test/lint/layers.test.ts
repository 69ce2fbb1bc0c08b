import assert from "node:assert/strict";

import { ESLint } from "eslint";

/** Lints `code` as if it were the file at `filePath` and returns the messages of the layering rule. */
async function layerViolations(filePath: string, code: string): Promise<string[]> {
  const [result] = await new ESLint().lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layer rule (eslint.config.js, docs/ARCHITECTURE.md)", function () {
  this.timeout(60_000);

  const refused: Array<[string, string, RegExp]> = [
    ["src/core/x.ts", 'import { createStore } from "../store/createStore.js";', /src\/core may import src\/internal/],
    ["src/api/x.ts", 'import { createIndexer } from "../indexer/sync/createIndexer.js";', /src\/api may import/],
    ["src/api/bin/x.ts", 'import { decodeLogs } from "../../chain/decodeLogs.js";', /never the chain/],
    ["src/sim/report/x.ts", 'import { CliError } from "../../cli/shared.js";', /src\/sim may import/],
    ["src/store/x.ts", 'import type { Indexer } from "../indexer/sync/createIndexer.js";', /src\/store may import/],
    ["src/chain/rpc/x.ts", 'import { hardhat } from "hardhat";', /without Hardhat/],
    ["src/indexer/x.ts", 'import { x } from "../../test/helpers/ledger.js";', /never imports tests/],
  ];
  for (const [filePath, code, message] of refused) {
    it(`refuses in ${filePath}: ${code}`, async function () {
      const violations = await layerViolations(filePath, code);
      assert.equal(violations.length, 1, `expected one violation, got ${JSON.stringify(violations)}`);
      assert.match(violations[0]!, message);
    });
  }

  const allowed: Array<[string, string]> = [
    ["src/core/x.ts", 'import { CoreError } from "./errors.js";'],
    ["src/api/x.ts", 'import { storedEvents } from "../store/storedEvents.js";'],
    ["src/indexer/sync/x.ts", 'import { decodeLogs } from "../../chain/decodeLogs.js";'],
    ["src/cli/x.ts", 'import { createApi } from "../api/createApi.js";'],
  ];
  for (const [filePath, code] of allowed) {
    it(`allows in ${filePath}: ${code}`, async function () {
      assert.deepEqual(await layerViolations(filePath, code), []);
    });
  }
});
