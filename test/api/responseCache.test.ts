/**
 * The response cache over HTTP, on both stores, against an indexed hardhat node: a repeated query is answered from
 * memory with the same bytes; the indexer's next commit (announced by the checkpoint trigger) makes every cached
 * answer go, and the next one shows the new state; `_meta` (it reads the clock) and errors are never replayed; on
 * PostgreSQL, a broken listening connection turns the cache off until it listens again.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";

import pg from "pg";

import { createCommitFeed, type CommitFeed } from "../../src/api/commitFeed.js";
import { createApiServer } from "../../src/api/createApiServer.js";
import { createResponseCache, type ResponseCache } from "../../src/api/responseCache.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { Store } from "../../src/store/types.js";
import { closeServer, indexedStore, listenLocally, postGraphQL } from "../helpers/api.js";
import { indexAll, startScenario, type Scenario, type StoreKind } from "../indexer/scenario.js";
import { sleep } from "../../src/internal/sleep.js";

/** Polls `check` every 10 ms until it holds, for at most `timeoutMs`. */
async function eventually(check: () => boolean, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

for (const kind of ["pglite", "postgres"] as StoreKind[]) {
  describe(`GraphQL API: response cache (${kind})`, function () {
    let scenario: Scenario;
    let store: Store;
    let dispose: () => Promise<void>;
    let databaseUrl: string | undefined;
    let feed: CommitFeed;
    let cache: ResponseCache;
    let server: Server;
    let url: string;

    const post = async (body: object) => {
      const response = await postGraphQL(url, JSON.stringify(body));
      return { status: response.status, text: await response.text() };
    };

    before(async function () {
      scenario = await startScenario(61, 5);
      const indexed = await indexedStore(scenario, kind);
      ({ store, dispose } = indexed);
      databaseUrl = "databaseUrl" in indexed.options ? indexed.options.databaseUrl : undefined;
      feed = await createCommitFeed({ store });
      cache = createResponseCache({ feed });
      server = createApiServer({ store, abi: ledgerAbi, cache });
      url = await listenLocally(server);
    });

    after(async function () {
      await closeServer(server);
      cache?.close();
      await feed?.close();
      await dispose?.();
      await scenario?.stop();
    });

    const REVENUE = {
      query: `query ($id: Bytes32!) { model(id: $id) { key revenue { token received kept upstream pushed } } }`,
    };

    it("answers a repeated query from memory, then forgets it when the indexer commits", async function () {
      const model = scenario.world.models[0]!;
      const body = { ...REVENUE, variables: { id: model.id } };
      const first = await post(body);
      const { hits, misses } = cache.stats();
      const second = await post(body);
      assert.equal(second.status, 200);
      assert.equal(second.text, first.text);
      assert.deepEqual(cache.stats().hits, hits + 1);
      assert.deepEqual(cache.stats().misses, misses);

      // New payments and a new commit: the cached answer must not survive it.
      await scenario.act(12);
      const entries = cache.stats().entries;
      assert.ok(entries > 0);
      await indexAll(scenario, store);
      await eventually(() => cache.stats().entries === 0, "the commit's announcement clears the cache");
      const third = await post(body);
      const fresh = await post({
        query: REVENUE.query.replace("query (", "query Fresh("),
        variables: { id: model.id },
      });
      assert.equal(
        JSON.stringify(JSON.parse(third.text).data),
        JSON.stringify(JSON.parse(fresh.text).data),
        "after the commit the answer is recomputed",
      );
    });

    it("keeps nothing computed before a commit was announced", async function () {
      const generation = cache.generation();
      await scenario.act(3);
      await indexAll(scenario, store);
      await eventually(() => cache.generation() !== generation, "the commit is announced");
      cache.set("stale", { contentType: "text/plain", body: Buffer.from("old") }, generation);
      assert.equal(cache.get("stale"), undefined);
    });

    it("never replays _meta (it reads the clock) or an error", async function () {
      const meta = { query: "{ _meta { block { number } lagSeconds } }" };
      const bad = { query: '{ model(id: "0x12") { key } }' };
      for (const body of [meta, bad]) {
        const { hits } = cache.stats();
        await post(body);
        await post(body);
        assert.equal(cache.stats().hits, hits, JSON.stringify(body));
      }
      const { text } = await post(bad);
      assert.equal(JSON.parse(text).errors[0].extensions.code, "BAD_USER_INPUT");
    });

    if (kind === "postgres") {
      it("turns itself off while its listening connection is broken, and listens again", async function () {
        const body = { ...REVENUE, variables: { id: scenario.world.models[1]!.id } };
        await post(body);
        await post(body);
        assert.ok(cache.stats().entries > 0);
        const admin = new pg.Client({ connectionString: databaseUrl });
        await admin.connect();
        try {
          const { rowCount } = await admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stemma listener' AND datname = current_database()",
          );
          assert.equal(rowCount, 1);
        } finally {
          await admin.end();
        }
        await eventually(() => !cache.stats().listening, "the cache notices the broken connection");
        assert.equal(cache.stats().entries, 0);
        await eventually(() => cache.stats().listening, "the cache listens again");
        const { misses } = cache.stats();
        await post(body);
        assert.equal(cache.stats().misses, misses + 1, "nothing from before the break is replayed");
      });
    }
  });
}
