/**
 * The indexer under faults: the indexer process killed with SIGKILL at random points (several times, then
 * restarted), and an RPC proxy that injects errors, delays and range-limit refusals. Both must end identical to a
 * clean index of the same chain, and reconcile with zero difference.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createStore } from "../../src/store/createStore.js";
import type { Store } from "../../src/store/types.js";
import { spawnEntryPoint, storeFlags, waitFor } from "../helpers/childProcess.js";
import { expectEqualToFreshIndex, expectReconciled, useScenario } from "../helpers/indexer.js";
import { startRpcFaultProxy } from "../helpers/rpcFaultProxy.js";
import { Rng } from "../property/rng.js";
import { freshStore, indexAll, type Scenario, type StoreKind } from "./scenario.js";
import { sleep } from "../../src/internal/sleep.js";

const KILLS = 4;
const replacer = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

/** Runs `npm run index`'s entry point as a child process with `args`. */
const spawnIndexer = (args: string[]) => spawnEntryPoint("the indexer", "src/cli/main.ts", ["index", ...args]);

describe("indexer: faults", function () {
  let scenario: Scenario;
  let dir: string;
  let recordPath: string;
  useScenario({ seed: 21, models: 8, actions: 30 }, (started) => (scenario = started));

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "stemma-faults-"));
    recordPath = join(dir, "deployment.json");
    await writeFile(recordPath, JSON.stringify(scenario.record));
  });

  after(async function () {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // First, while the chain is short (the kill tests below mine hundreds of blocks).
  it("through a proxy injecting errors, delays and range refusals, ends identical to a clean index", async function () {
    const proxy = await startRpcFaultProxy({
      target: scenario.node.url,
      seed: 99,
      faults: {
        http429: 0.1,
        http5xx: 0.1,
        hang: 0.01,
        hangMs: 2_500,
        truncated: 0.1,
        empty: 0.1,
        badLog: 0.3,
        maxLogRange: 3,
      },
    });
    // At least 120 blocks, read at most 3 at a time: a few hundred requests, so every fault kind shows up.
    for (let i = 0; i < 60; i++) await scenario.d.publicClient.request({ method: "evm_mine" } as never);
    const faulty = await freshStore("pglite");
    try {
      const rpcUrl = proxy.url;
      await indexAll(scenario, faulty.store, {
        rpcUrl,
        rpc: { timeoutMs: 1_500 },
        options: { initialRange: 50, maxRange: 3 },
      });
      await expectEqualToFreshIndex(scenario, faulty.store, "pglite");
      const { counts } = proxy;
      assert.ok(counts.rangeRefusal > 0, `no range refusals: ${JSON.stringify(counts)}`);
      for (const fault of ["http429", "http5xx", "truncated", "empty", "badLog"] as const) {
        assert.ok(counts[fault] > 0, `no ${fault} injected: ${JSON.stringify(counts)}`);
      }
    } finally {
      await faulty.dispose();
      await proxy.close();
    }
  });

  for (const kind of ["pglite", "postgres"] as StoreKind[]) {
    it(`${kind}: killed with SIGKILL ${KILLS} times at random points, restarted, ends identical to a clean index`, async function () {
      const rng = new Rng(kind === "pglite" ? 5 : 6);
      const target = await freshStore(kind);
      // The child processes open the database themselves: close this handle (PGlite allows one process per folder).
      await target.store.close();
      const args = [
        "--rpc",
        scenario.node.url,
        "--deployment",
        recordPath,
        ...storeFlags(target.options),
        "--initial-range",
        "2",
        "--max-range",
        "3",
        "--events-per-commit",
        "4",
        "--poll-ms",
        "20",
        "--log-level",
        "info",
      ];
      let store: Store | null = null;
      try {
        // Enough blocks that, at three blocks per commit, the backfill takes seconds: kills land mid-work.
        for (let i = 0; i < 400; i++) await scenario.d.publicClient.request({ method: "evm_mine" } as never);
        const progress: { checkpoint: bigint; head: bigint }[] = [];
        for (let kill = 0; kill < KILLS; kill++) {
          await scenario.act(3);
          const indexer = spawnIndexer(args);
          // Kill at a random point after its first commit (a progress line follows every commit for the first time).
          await waitFor("progress", [indexer], async () => /backfill block=/.test(indexer.output()) || undefined, {
            pollMs: 10,
          });
          await sleep(rng.range(0, 800));
          const head = await scenario.d.publicClient.getBlockNumber();
          indexer.process.kill("SIGKILL");
          const code = await indexer.exited;
          assert.equal(code, null, `the indexer exited on its own before the kill: ${indexer.output()}`);
          const peek = await createStore(target.options);
          const [row] = await peek.query<{ block_number: string }>("SELECT block_number FROM indexer_checkpoint");
          await peek.close();
          progress.push({ checkpoint: BigInt(row?.block_number ?? -1), head });
        }
        // The kills landed while it worked: it made progress, and at least once it had not caught up yet.
        const checkpoints = progress.map((p) => p.checkpoint);
        assert.ok(
          checkpoints.every((c, i) => i === 0 || c >= checkpoints[i - 1]!),
          JSON.stringify(checkpoints, replacer),
        );
        assert.ok(checkpoints[checkpoints.length - 1]! > 0n, "no commit survived");
        assert.ok(
          progress.some((p) => p.checkpoint < p.head),
          `every kill came after it caught up: ${JSON.stringify(progress, replacer)}`,
        );
        store = await createStore(target.options);
        await indexAll(scenario, store);
        await expectReconciled(scenario, store);
        await expectEqualToFreshIndex(scenario, store, kind);
      } finally {
        await store?.close();
        await target.dispose();
      }
    });
  }

  for (const kind of ["pglite", "postgres"] as StoreKind[]) {
    it(`${kind}: a second indexer on the same database refuses to start, naming the first`, async function () {
      const target = await freshStore(kind);
      await target.store.close();
      const args = ["--rpc", scenario.node.url, "--deployment", recordPath, ...storeFlags(target.options)];
      const first = spawnIndexer(args);
      try {
        await waitFor("catching up", [first], async () => first.output().includes("following new blocks") || undefined);
        const second = spawnIndexer(args);
        assert.equal(await second.exited, 1);
        assert.match(second.output(), /error: Another indexer is writing to .*pid \d+/);
      } finally {
        first.process.kill("SIGKILL");
        await first.exited;
        await target.dispose();
      }
    });
  }
});
