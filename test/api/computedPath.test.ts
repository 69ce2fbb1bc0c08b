/**
 * The API's computed path (issue 14): requests read in one statement run without a snapshot transaction and those
 * that need more run in one (src/api/readConsistently.ts); what a selection asks of a model is fetched ahead in that
 * one statement (src/api/prefetch.ts), whatever mix of fields and aliases asks for it; and the HTTP server's fast path
 * for JSON POSTs (src/api/fastAnswer.ts) answers byte for byte as yoga itself does, errors included.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";

import { createCommitFeed } from "../../src/api/commitFeed.js";
import { createApi } from "../../src/api/createApi.js";
import { createLedgerReplica } from "../../src/api/createLedgerReplica.js";
import { createApiServer } from "../../src/api/createApiServer.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { Sql, Store } from "../../src/store/types.js";
import { closeServer, indexedStore, listenLocally, queryApi, type IndexedStore } from "../helpers/api.js";
import { startScenario, type Scenario, type StoreKind } from "../indexer/scenario.js";

/** The store, counting the statements run on it directly and the snapshots opened. */
function counting(store: Store) {
  const counts = { statements: 0, snapshots: 0 };
  const counted: Store = {
    ...store,
    query: (text, params) => {
      counts.statements++;
      return store.query(text, params);
    },
    snapshot: <T>(fn: (sql: Sql) => Promise<T>) => {
      counts.snapshots++;
      return store.snapshot(fn);
    },
  };
  return { counted, counts };
}

for (const kind of ["pglite", "postgres"] as StoreKind[])
  describe(`GraphQL API: the computed path (${kind})`, function () {
    let scenario: Scenario;
    let indexed: IndexedStore;
    let server: Server | undefined;
    let url: string;
    let deepest: string;

    before(async function () {
      scenario = await startScenario(47, 12);
      await scenario.act(20);
      indexed = await indexedStore(scenario, kind);
      deepest = [...scenario.world.models].sort((a, b) => b.plan.depth - a.plan.depth)[0]!.id;
      server = createApiServer({ store: indexed.store, abi: ledgerAbi });
      url = await listenLocally(server);
    });

    after(async function () {
      await closeServer(server);
      await indexed?.dispose();
      await scenario?.stop();
    });

    it("answers JSON POSTs on the fast path byte for byte as yoga does, errors and all", async function () {
      const api = createApi({ store: indexed.store, abi: ledgerAbi });
      const id = JSON.stringify(deepest);
      const bodies = [
        {
          query: `{ model(id: ${id}) { key steward status parents { relation weightPpm parent { id key } } contributors { account role weightPpm } } }`,
        },
        {
          query: `{ model(id: ${id}) { ancestors(maxDepth: 5) { depth model { key verified } } descendants { model { id } } } }`,
        },
        // Aliases that ask different columns of the same parents and ancestors.
        {
          query: `{ a: model(id: ${id}) { parents { parent { key } } ancestors(maxDepth: 3) { model { key } } } b: model(id: ${id}) { parents { parent { steward status epoch } } ancestors(maxDepth: 3) { model { id steward terms { derivativesAllowed } } } } }`,
        },
        {
          query:
            "query ($after: String) { models(first: 4, after: $after) { totalCount edges { cursor node { key parents { parent { id } } contributors { account } } } } }",
          variables: { after: null },
        },
        {
          query: `{ effectiveShares(model: ${id}, first: 5) { totalCount edges { cursor node { kind party ppm } } pageInfo { hasNextPage endCursor } } }`,
        },
        {
          query: `query Named { _meta { chainId } } query Other { models(first: 1) { totalCount } }`,
          operationName: "Other",
        },
        { query: `{ model(id: ${id}) { contributors(epoch: 99) { account } } }` },
        { query: "{ models(first: 1) { " },
        { query: "{ models(first: 1) { nope } }" },
        { query: '{ model(id: "0x12") { key } }' },
        { query: "query ($n: Int!) { models(first: $n) { totalCount } }", variables: { n: "many" } },
        { query: "mutation { nothing }" },
        { nope: true },
        "[1, 2]",
      ];
      for (const body of bodies) {
        const text = typeof body === "string" ? body : JSON.stringify(body);
        const init = { method: "POST", headers: { "content-type": "application/json" }, body: text };
        const viaServer = await fetch(`${url}/graphql`, init);
        const viaYoga = await api.fetch("http://api.test/graphql", init);
        const [served, expected] = [await viaServer.text(), await viaYoga.text()];
        assert.equal(served, expected, text);
        assert.equal(viaServer.status, viaYoga.status, text);
        assert.equal(viaServer.headers.get("content-type"), viaYoga.headers.get("content-type"), text);
      }
    });

    it("reads a model with what its selection asks in one statement, and a two-statement request in one snapshot", async function () {
      const { counted, counts } = counting(indexed.store);
      const api = createApi({ store: counted, abi: ledgerAbi });
      const reset = () => Object.assign(counts, { statements: 0, snapshots: 0 });

      const one = `query ($id: Bytes32!) { model(id: $id) { key parents { weightPpm parent { key steward } } contributors { account role } ancestors(maxDepth: 30) { depth model { key } } descendants { model { id } } } }`;
      const { data, errors } = await queryApi(api, one, { id: deepest });
      assert.equal(errors, undefined, JSON.stringify(errors));
      assert.ok((data!.model as { ancestors: unknown[] }).ancestors.length > 0);
      // PGlite's snapshot is the store itself (one session): every request runs in it (its reads are not counted here).
      assert.deepEqual(counts, kind === "postgres" ? { statements: 1, snapshots: 0 } : { statements: 0, snapshots: 1 });

      const two = "{ _meta { chainId } models(first: 2) { edges { node { key } } } }";
      reset();
      const first = await queryApi(api, two);
      assert.equal(first.errors, undefined, JSON.stringify(first.errors));
      if (kind === "postgres") {
        // The first statement ran alone, the second stopped the request, which ran again in a snapshot.
        assert.deepEqual(counts, { statements: 1, snapshots: 1 });
        reset();
        // The same text goes to the snapshot at once.
        assert.deepEqual(await queryApi(api, two), first);
        assert.deepEqual(counts, { statements: 0, snapshots: 1 });
      }
    });

    it("keeps the engine replica between announced commits without reading the store", async function () {
      const { counted, counts } = counting(indexed.store);
      const feed = await createCommitFeed({ store: indexed.store });
      const replica = createLedgerReplica(counted, ledgerAbi, feed);
      try {
        const first = await replica.current();
        assert.ok(counts.statements > 0, "the first call replays the stored events");
        counts.statements = 0;
        assert.equal(await replica.current(), first);
        assert.equal(counts.statements, 0, "no commit was announced: nothing to read");
        const announced = new Promise<void>((resolve) => feed.follow({ onCommit: resolve }));
        await indexed.store.query("UPDATE indexer_checkpoint SET updated_at = now() WHERE id = 1");
        await announced;
        await replica.current();
        assert.ok(counts.statements > 0, "after an announced commit the replica reads what was committed");
      } finally {
        replica.close();
        await feed.close();
      }
    });
  });
