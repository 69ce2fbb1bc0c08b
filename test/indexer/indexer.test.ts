/**
 * The indexer against a real `hardhat node` over JSON-RPC, on PGlite and on PostgreSQL: random scenarios (the
 * property test's lineages and actions) reconciled with the contracts to zero difference; incremental indexing equal
 * to a fresh index; reorgs (snapshot, revert, different transactions) after which the mirror equals a fresh index of
 * the final chain.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { getAddress, parseEther, type Address } from "viem";

import { NATIVE_TOKEN } from "../../src/core/constants.js";
import { revenueRouterAbi } from "../../src/contracts/abis.js";
import { reconcile } from "../../src/indexer/reconcile.js";
import { createRpcClient } from "../../src/chain/rpc/createRpcClient.js";
import type { Store } from "../../src/store/types.js";
import { storeFlags } from "../helpers/childProcess.js";
import { expectEqualToFreshIndex, expectReconciled, useScenario } from "../helpers/indexer.js";
import { PAYER, send, sync } from "../property/harness.js";
import { dumpStore, freshStore, indexAll, type Scenario, type StoreKind } from "./scenario.js";

const STORES: StoreKind[] = ["pglite", "postgres"];

/** The mirror's owed-after-propagation figures equal the engine's (the property test proves those equal the chain). */
async function expectOwedAfterPropagation(scenario: Scenario, store: Store) {
  await sync(scenario.d);
  const rows = await store.query<{ account: Address; token: Address; owed_after_propagation: string }>(
    "SELECT account, token, owed_after_propagation FROM account_balances",
  );
  const mirrored = new Map(
    rows.map((r) => [`${getAddress(r.account)}|${getAddress(r.token)}`, r.owed_after_propagation]),
  );
  for (const token of scenario.d.tokens) {
    for (const [account, owed] of scenario.d.ledger.owedAfterFullPropagation(token.address).accounts) {
      if (owed === 0n) continue;
      const k = `${getAddress(account)}|${getAddress(token.address)}`;
      assert.equal(mirrored.get(k), owed.toString(), `${account} ${token.symbol}`);
    }
  }
}

describe("indexer: random scenarios against hardhat node", function () {
  let scenario: Scenario;
  useScenario({ seed: 11, actions: 40 }, (started) => (scenario = started));

  for (const kind of STORES) {
    it(`${kind}: backfills in small ranges, reconciles with zero difference, then follows new blocks`, async function () {
      const { store, dispose } = await freshStore(kind);
      try {
        // Tiny ranges and commits force many batches: the result must not depend on them.
        await indexAll(scenario, store, { options: { initialRange: 3, maxRange: 7, eventsPerCommit: 5 } });
        const first = await expectReconciled(scenario, store);
        assert.ok(first.checked.entries > 10 && first.checked.totals > 5, JSON.stringify(first.checked));
        await expectOwedAfterPropagation(scenario, store);

        await scenario.act(15);
        await indexAll(scenario, store);
        await expectReconciled(scenario, store);
        await expectOwedAfterPropagation(scenario, store);

        // Incremental indexing equals one fresh pass over the final chain.
        await expectEqualToFreshIndex(scenario, store, kind);
      } finally {
        await dispose();
      }
    });
  }
});

describe("reconcile", function () {
  let scenario: Scenario;
  useScenario({ seed: 13, models: 6, actions: 25 }, (started) => (scenario = started));

  it("refuses to continue a database that mirrors another deployment", async function () {
    const { store, dispose } = await freshStore("pglite");
    try {
      await indexAll(scenario, store);
      const other = {
        ...scenario.record,
        contracts: {
          ...scenario.record.contracts,
          ModelRegistry: { address: getAddress(`0x${"42".repeat(20)}`), block: 1 },
        },
      };
      await assert.rejects(
        indexAll({ ...scenario, record: other }, store),
        /mirrors the deployment on chain 31337 with registry 0x[0-9a-fA-F]{40} and router .*not this one .*use another database or --reset/,
      );
    } finally {
      await dispose();
    }
  });

  it("reports every figure a damaged mirror gets wrong, and the command exits 1", async function () {
    const { store, dispose, options } = await freshStore("pglite");
    const dir = await mkdtemp(join(tmpdir(), "stemma-reconcile-"));
    try {
      await indexAll(scenario, store);
      await expectReconciled(scenario, store);
      const [balance] = await store.query<{ account: string; token: string }>(
        "SELECT account, token FROM account_balances WHERE claimable > 0 ORDER BY account LIMIT 1",
      );
      const [total] = await store.query<{ model_id: string; token: string }>(
        "SELECT model_id, token FROM model_token_totals ORDER BY model_id LIMIT 1",
      );
      await store.query("UPDATE account_balances SET claimable = claimable + 1 WHERE account = $1 AND token = $2", [
        balance!.account,
        balance!.token,
      ]);
      await store.query("UPDATE model_token_totals SET pushed = pushed + 7 WHERE model_id = $1 AND token = $2", [
        total!.model_id,
        total!.token,
      ]);
      await store.query("UPDATE models SET upstream_ppm = upstream_ppm + 1 WHERE id = $1", [total!.model_id]);
      const report = await reconcile({
        rpc: createRpcClient({ url: scenario.node.url }),
        sql: store,
        deployment: scenario.record,
        routerAbi: revenueRouterAbi,
      });
      assert.deepEqual(
        report.differences.map((d) => d.what.split(" ")[0] + " " + d.what.split(" ").slice(-1)[0]).sort(),
        ["claimable " + getAddress(balance!.token), "model pushed", "model upstreamPpm"].sort(),
      );

      // The command prints each difference and exits 1.
      await store.close();
      const recordPath = join(dir, "deployment.json");
      await writeFile(recordPath, JSON.stringify(scenario.record));
      const result = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "src/cli/main.ts",
          "reconcile",
          "--rpc",
          scenario.node.url,
          "--deployment",
          recordPath,
          ...storeFlags(options),
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stdout, /DIFFERENT model 0x[0-9a-f]{64} upstreamPpm: mirror \d+, chain \d+/);
      assert.match(result.stdout, /3 difference\(s\)\./);
    } finally {
      await dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("indexer: reorgs", function () {
  let scenario: Scenario;
  useScenario({ seed: 12, models: 6, actions: 20 }, (started) => (scenario = started));

  const rpc = (method: string, params: unknown[] = []) =>
    scenario.d.publicClient.request({ method, params } as never) as Promise<unknown>;
  const payEth = (modelIndex: number, amount: bigint) => {
    const model = scenario.world.models.filter((m) => m.status === 1)[modelIndex]!;
    return send(
      scenario.d,
      PAYER,
      scenario.d.router.address,
      scenario.d.routerAbi,
      "pay",
      [model.id, NATIVE_TOKEN, amount],
      amount,
    );
  };

  for (const kind of STORES) {
    it(`${kind}: rolls back dropped blocks and ends equal to a fresh index of the final chain`, async function () {
      const { store, dispose } = await freshStore(kind);
      try {
        await indexAll(scenario, store);
        const snapshot = await rpc("evm_snapshot");
        // Branch A: three blocks that will be dropped.
        for (const i of [0, 1, 0]) await payEth(i, parseEther("1") + BigInt(i));
        await indexAll(scenario, store);
        const onBranchA = await dumpStore(store);

        await rpc("evm_revert", [snapshot]);
        // Branch B: different transactions, and more blocks than branch A.
        for (const i of [1, 1, 0, 1]) await payEth(i, 777n + BigInt(i));
        await indexAll(scenario, store);
        const afterReorg = await dumpStore(store);
        assert.notDeepEqual(afterReorg.ledger_events, onBranchA.ledger_events);
        await expectReconciled(scenario, store);
        await expectEqualToFreshIndex(scenario, store, kind);
      } finally {
        await dispose();
      }
    });
  }

  it("reports a reorg deeper than the blocks it keeps instead of corrupting the mirror", async function () {
    // PostgreSQL, not PGlite: PGlite's long synchronous work in this thread keeps the node's closing of an idle
    // keep-alive connection unseen, and the next request went out on the dead socket ("other side closed").
    const { store, dispose } = await freshStore("postgres");
    try {
      const snapshot = await rpc("evm_snapshot");
      for (const i of [0, 1, 0, 1, 0]) await payEth(i, 5n + BigInt(i));
      // Keep only the newest block's hash: any reorg reaching below it cannot be undone.
      await indexAll(scenario, store, { options: { reorgWindow: 0 } });
      const before = await dumpStore(store);
      await rpc("evm_revert", [snapshot]);
      for (const i of [1, 0, 1, 0, 1, 1]) await payEth(i, 9n + BigInt(i));
      await assert.rejects(indexAll(scenario, store, { options: { reorgWindow: 0 } }), /deeper than the reorg window/);
      assert.deepEqual(await dumpStore(store), before);
    } finally {
      await dispose();
    }
  });
});
