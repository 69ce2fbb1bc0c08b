/**
 * The GraphQL API's first slice (issue 5, in progress): `_meta`, `model`, `models` with filters, ordering and cursor
 * pagination, and models' parents, contributors and revenue, over a store the indexer filled from a real
 * `hardhat node`, on PGlite and on PostgreSQL; bad input answered with BAD_USER_INPUT; `/health`, `/ready` and
 * `/metrics` over HTTP.
 */
import assert from "node:assert/strict";

import { getAddress } from "viem";

import { createApi } from "../../src/api/createApi.js";
import { createApiServer } from "../../src/api/createApiServer.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { Store } from "../../src/store/types.js";
import { type Api, closeServer, indexedApi, listenLocally, postGraphQL, queryApi } from "../helpers/api.js";
import { startScenario, type Scenario, type StoreKind } from "../indexer/scenario.js";

for (const kind of ["pglite", "postgres"] as StoreKind[])
  describe(`GraphQL API: models (${kind})`, function () {
    let scenario: Scenario;
    let store: Store;
    let dispose: () => Promise<void>;
    let api: Api;

    const query = (text: string, variables?: Record<string, unknown>) => queryApi(api, text, variables);

    before(async function () {
      scenario = await startScenario(31, 12);
      await scenario.act(25);
      ({ store, api, dispose } = await indexedApi(scenario, kind));
    });

    after(async function () {
      await dispose?.();
      await scenario?.stop();
    });

    it("serves _meta: the chain and the indexed block", async function () {
      const { data } = await query("{ _meta { chainId block { number hash } backfillDone lagSeconds } }");
      const head = await scenario.d.publicClient.getBlock();
      assert.deepEqual(data!._meta, {
        chainId: 31337,
        block: { number: head.number.toString(), hash: head.hash },
        backfillDone: true,
        lagSeconds: (data!._meta as { lagSeconds: number }).lagSeconds,
      });
      assert.ok((data!._meta as { lagSeconds: number }).lagSeconds < 600);
    });

    it("pages through every model with cursors and totalCount, in key order, each page at most `first`", async function () {
      const keys: string[] = [];
      let after: string | null = null;
      let total = -1;
      for (let pages = 0; pages < 20; pages++) {
        const { data, errors } = await query(
          `query ($after: String) { models(first: 5, after: $after) { totalCount edges { cursor node { key } } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
        assert.equal(errors, undefined);
        const page = data!.models as {
          totalCount: number;
          edges: { node: { key: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
        total = page.totalCount;
        assert.ok(page.edges.length <= 5);
        keys.push(...page.edges.map((e) => e.node.key));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      const expected = (await store.query<{ key: string }>("SELECT key FROM models ORDER BY key, id")).map(
        (r) => r.key,
      );
      assert.equal(total, expected.length);
      assert.deepEqual(keys, expected);
      assert.ok(expected.length >= 12);
    });

    it("filters with _in, _gt, _lt, _starts_with, _contains, AND and OR", async function () {
      const rows = await store.query<{ id: string; key: string; upstream_ppm: number; status: number }>(
        "SELECT id, key, upstream_ppm, status FROM models",
      );
      const ids = async (where: object) => {
        const { data, errors } = await query(
          "query ($where: ModelFilter) { models(first: 100, where: $where) { edges { node { id } } } }",
          { where },
        );
        assert.equal(errors, undefined, JSON.stringify(errors));
        return (data!.models as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id).sort();
      };
      const expect = (keep: (r: (typeof rows)[number]) => boolean) =>
        rows
          .filter(keep)
          .map((r) => r.id)
          .sort();
      assert.deepEqual(
        await ids({ upstreamPpm_gt: 100_000 }),
        expect((r) => r.upstream_ppm > 100_000),
      );
      assert.deepEqual(
        await ids({ upstreamPpm_lt: 1 }),
        expect((r) => r.upstream_ppm < 1),
      );
      assert.deepEqual(
        await ids({ key_starts_with: "ix31" }),
        expect((r) => r.key.startsWith("ix31")),
      );
      assert.deepEqual(await ids({ key_contains: "%" }), []);
      const two = rows.slice(0, 2).map((r) => r.id);
      assert.deepEqual(await ids({ id_in: two }), [...two].sort());
      assert.deepEqual(
        await ids({ OR: [{ id: two[0] }, { AND: [{ upstreamPpm_gt: 0 }, { status_in: ["ACTIVE"] }] }] }),
        expect((r) => r.id === two[0] || (r.upstream_ppm > 0 && r.status === 1)),
      );
    });

    it("answers a model by id and by key with its parents, contributors and revenue, as the store holds them", async function () {
      const [child] = await store.query<{ id: string; key: string }>(
        "SELECT m.id, m.key FROM models m JOIN model_parents p ON p.model_id = m.id JOIN model_token_totals t ON t.model_id = m.id ORDER BY m.id LIMIT 1",
      );
      const fields = `id key upstreamPpm epoch parents { parent { id } relation weightPpm } contributors { account role weightPpm } revenue { token received kept upstream pushed }`;
      const byId = await query(`query ($id: Bytes32) { model(id: $id) { ${fields} } }`, { id: child!.id });
      const byKey = await query(`query ($key: String) { model(key: $key) { ${fields} } }`, { key: child!.key });
      assert.deepEqual(byId, byKey);
      // As a user may type it: outer spaces and, for an hf: key, any letter case find the canonical key (F14).
      const typed = ` ${child!.key.startsWith("hf:") ? child!.key.toUpperCase() : child!.key} `;
      assert.deepEqual(await query(`query ($key: String) { model(key: $key) { ${fields} } }`, { key: typed }), byId);
      const model = byId.data!.model as {
        parents: { parent: { id: string }; weightPpm: number }[];
        contributors: { account: string; weightPpm: number }[];
        revenue: { token: string; received: string; pushed: string }[];
      };
      const parents = await store.query<{ parent_id: string; weight_ppm: number }>(
        "SELECT parent_id, weight_ppm FROM model_parents WHERE model_id = $1 ORDER BY position",
        [child!.id],
      );
      assert.deepEqual(
        model.parents.map((p) => [p.parent.id, p.weightPpm]),
        parents.map((p) => [p.parent_id, p.weight_ppm]),
      );
      assert.equal(
        model.contributors.reduce((sum, c) => sum + c.weightPpm, 0),
        1_000_000,
      );
      for (const c of model.contributors) assert.equal(c.account, getAddress(c.account));
      const totals = await store.query<{ token: string; received: string; pushed: string }>(
        "SELECT token, received, pushed FROM model_token_totals WHERE model_id = $1 ORDER BY token",
        [child!.id],
      );
      assert.deepEqual(
        model.revenue.map((r) => [r.token, r.received, r.pushed]),
        totals.map((t) => [getAddress(t.token), t.received, t.pushed]),
      );
    });

    it("answers bad input with BAD_USER_INPUT and a message that says what to fix", async function () {
      const cases: [string, RegExp][] = [
        ['{ model(id: "0x1234") { id } }', /not a 32-byte id/],
        ['{ model(id: "0x' + "00".repeat(32) + '", key: "x") { id } }', /either id or key, not both/],
        ["{ models(first: 1000000000) { totalCount } }", /first must be between 1 and 100/],
        ['{ models(after: "not-a-cursor") { totalCount } }', /is not a cursor from this API/],
        ['{ models(where: { steward: "0xnope" }) { totalCount } }', /is not an address/],
        ['{ models(where: { registeredBlock_gt: "-1" }) { totalCount } }', /is not a non-negative integer/],
      ];
      for (const [text, message] of cases) {
        const { errors } = await query(text);
        assert.equal(errors?.[0]?.extensions?.code, "BAD_USER_INPUT", `${text}: ${JSON.stringify(errors)}`);
        assert.match(errors![0]!.message, message);
      }
      const unknown = await query('{ model(key: "hf:nobody/nothing") { id } }');
      assert.deepEqual(unknown, { data: { model: null } });
    });

    /** Shortest hop counts from `start`, following `next` (a breadth-first walk over the store's edges). */
    async function hops(start: string, direction: "up" | "down") {
      const edges = await store.query<{ model_id: string; parent_id: string }>(
        "SELECT model_id, parent_id FROM model_parents",
      );
      const next = (id: string) =>
        edges
          .filter((e) => (direction === "up" ? e.model_id : e.parent_id) === id)
          .map((e) => (direction === "up" ? e.parent_id : e.model_id));
      const depth = new Map<string, number>();
      let frontier = [start];
      for (let d = 1; frontier.length; d++) {
        frontier = [...new Set(frontier.flatMap(next))].filter((id) => !depth.has(id) && id !== start);
        for (const id of frontier) depth.set(id, d);
      }
      return depth;
    }

    it("walks ancestors and descendants to any depth in SQL, each at its shortest distance", async function () {
      const models = await store.query<{ id: string }>("SELECT id FROM models");
      for (const { id } of models) {
        const { data, errors } = await query(
          `query ($id: Bytes32) { model(id: $id) { ancestors { depth model { id } } descendants { depth model { id } } parents1: ancestors(maxDepth: 1) { model { id } } } }`,
          { id },
        );
        assert.equal(errors, undefined, JSON.stringify(errors));
        const model = data!.model as {
          ancestors: { depth: number; model: { id: string } }[];
          descendants: { depth: number; model: { id: string } }[];
          parents1: { model: { id: string } }[];
        };
        const asMap = (nodes: { depth: number; model: { id: string } }[]) =>
          new Map(nodes.map((n) => [n.model.id, n.depth]));
        assert.deepEqual(asMap(model.ancestors), await hops(id, "up"));
        assert.deepEqual(asMap(model.descendants), await hops(id, "down"));
        const direct = [...(await hops(id, "up"))]
          .filter(([, d]) => d === 1)
          .map(([a]) => a)
          .sort();
        assert.deepEqual(model.parents1.map((n) => n.model.id).sort(), direct);
      }
      const { errors } = await query(`{ models(first: 1) { edges { node { ancestors(maxDepth: 65) { depth } } } } }`);
      assert.equal(errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
      assert.match(errors![0]!.message, /maxDepth must be between 1 and 64/);
    });

    it("draws the attribution graph around a model: its lineage and the edges among it", async function () {
      const [root] = await store.query<{ id: string }>(
        "SELECT parent_id AS id FROM model_parents GROUP BY parent_id ORDER BY count(*) DESC, parent_id LIMIT 1",
      );
      const { data, errors } = await query(
        `query ($root: Bytes32!) { attributionGraph(root: $root, depth: 2) { nodes { depth model { id } } edges { child parent weightPpm } } }`,
        { root: root!.id },
      );
      assert.equal(errors, undefined, JSON.stringify(errors));
      const graph = data!.attributionGraph as {
        nodes: { depth: number; model: { id: string } }[];
        edges: { child: string; parent: string; weightPpm: number }[];
      };
      const ids = new Set(graph.nodes.map((n) => n.model.id));
      assert.ok(ids.has(root!.id) && graph.edges.length > 0);
      for (const node of graph.nodes) assert.ok(node.depth <= 2);
      const stored = await store.query<{ model_id: string; parent_id: string; weight_ppm: number }>(
        "SELECT model_id, parent_id, weight_ppm FROM model_parents",
      );
      const expected = stored.filter((e) => ids.has(e.model_id) && ids.has(e.parent_id));
      assert.deepEqual(
        graph.edges.map((e) => `${e.child}>${e.parent}:${e.weightPpm}`).sort(),
        expected.map((e) => `${e.model_id}>${e.parent_id}:${e.weight_ppm}`).sort(),
      );
    });

    it("answers an account's contributions and balances as the (reconciled) store holds them", async function () {
      const balances = await store.query<{
        account: string;
        token: string;
        claimable: string;
        owed_after_propagation: string;
      }>("SELECT account, token, claimable, owed_after_propagation FROM account_balances ORDER BY account, token");
      const account = balances[0]!.account;
      const { data, errors } = await query(
        `query ($a: Address!) { account(address: $a) { address contributions { model { id epoch } epoch weightPpm } balances { token claimable owedAfterPropagation } } }`,
        { a: account.toLowerCase() },
      );
      assert.equal(errors, undefined, JSON.stringify(errors));
      const result = data!.account as {
        address: string;
        contributions: { model: { id: string; epoch: number }; epoch: number }[];
        balances: { token: string; claimable: string; owedAfterPropagation: string }[];
      };
      assert.equal(result.address, getAddress(account));
      assert.deepEqual(
        result.balances,
        balances
          .filter((b) => b.account === account)
          .map((b) => ({
            token: getAddress(b.token),
            claimable: b.claimable,
            owedAfterPropagation: b.owed_after_propagation,
          })),
      );
      assert.ok(result.contributions.length > 0);
      for (const c of result.contributions) assert.equal(c.epoch, c.model.epoch);
    });

    it("batches per request: 100 models with parents, contributors and revenue cost a handful of SQL queries", async function () {
      const statements: string[] = [];
      const counting: Store = {
        ...store,
        query: (text, params) => {
          statements.push(text);
          return store.query(text, params);
        },
      } as Store;
      const json = await queryApi(
        createApi({ store: counting, abi: ledgerAbi }),
        "{ models(first: 100) { edges { node { key parents { parent { key steward } weightPpm } contributors { account weightPpm } revenue { received } } } } }",
      );
      assert.equal(json.errors, undefined);
      const edges = (json.data!.models as { edges: unknown[] }).edges;
      assert.ok(edges.length >= 12);
      // The page, then one batch each for parents, parent models, contributors and revenue.
      assert.ok(statements.length <= 5, `${statements.length} statements:\n${statements.join("\n")}`);
    });

    it("pages through a model's payments and an account's claims, newest first, as the chain logged them", async function () {
      const { d } = scenario;
      const logsOf = (eventName: "Paid" | "Claimed") =>
        d.publicClient.getContractEvents({ address: d.router.address, abi: d.routerAbi, eventName, fromBlock: 0n });
      const paid = await logsOf("Paid");
      const claimed = await logsOf("Claimed");
      assert.ok(paid.length > 0 && claimed.length > 0, "the scenario paid and claimed");
      const model = (paid[0]!.args as { modelId: string }).modelId;
      const account = (claimed[0]!.args as { account: string }).account;
      /** The logs whose argument `field` is `value`, newest first. */
      const newestFirst = (logs: typeof paid, field: string, value: string) =>
        logs.filter((log) => (log.args as Record<string, unknown>)[field] === value).reverse();

      const walk = async (
        text: string,
        variables: Record<string, unknown>,
        pick: (data: Record<string, unknown>) => unknown,
      ) => {
        const nodes: Record<string, unknown>[] = [];
        let after: string | null = null;
        for (let page = 0; page < 50; page++) {
          const { data, errors } = await query(text, { ...variables, after });
          assert.equal(errors, undefined, JSON.stringify(errors));
          const connection = pick(data!) as {
            edges: { node: Record<string, unknown> }[];
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
          nodes.push(...connection.edges.map((e) => e.node));
          if (!connection.pageInfo.hasNextPage) return nodes;
          after = connection.pageInfo.endCursor;
        }
        throw new Error("too many pages");
      };
      const connections: [string, Record<string, unknown>, (data: Record<string, unknown>) => unknown, unknown[]][] = [
        [
          "query ($id: Bytes32, $after: String) { model(id: $id) { payments(first: 2, after: $after) { edges { node { token payer amount fee transactionHash } } pageInfo { hasNextPage endCursor } } } }",
          { id: model },
          (data) => (data.model as { payments: unknown }).payments,
          newestFirst(paid, "modelId", model).map(({ args, transactionHash }) => {
            const { token, payer, amount, fee } = args as { token: string; payer: string; amount: bigint; fee: bigint };
            return {
              token: getAddress(token),
              payer: getAddress(payer),
              amount: amount.toString(),
              fee: fee.toString(),
              transactionHash,
            };
          }),
        ],
        [
          "query ($a: Address!, $after: String) { account(address: $a) { claims(first: 3, after: $after) { edges { node { model { id } token epoch amount } } pageInfo { hasNextPage endCursor } } } }",
          { a: account },
          (data) => (data.account as { claims: unknown }).claims,
          newestFirst(claimed, "account", account).map(({ args }) => {
            const { modelId, token, epoch, amount } = args as {
              modelId: string;
              token: string;
              epoch: number;
              amount: bigint;
            };
            return { model: { id: modelId }, token: getAddress(token), epoch, amount: amount.toString() };
          }),
        ],
      ];
      for (const [text, variables, pick, expected] of connections) {
        assert.deepEqual(await walk(text, variables, pick), expected);
      }
    });

    it("serves /health, and /ready once the backfill is done, over HTTP on 127.0.0.1", async function () {
      const server = createApiServer({ store, abi: ledgerAbi });
      const url = await listenLocally(server);
      try {
        assert.equal((await fetch(`${url}/health`)).status, 200);
        assert.equal((await fetch(`${url}/ready`)).status, 200);
        const metrics = await (await fetch(`${url}/metrics`)).text();
        assert.match(metrics, /stemma_api_requests_total\{route="\/health",status="200"\} 1/);
        const [checkpoint] = await store.query<{ block_number: string }>("SELECT block_number FROM indexer_checkpoint");
        assert.match(metrics, new RegExp(`stemma_indexed_block ${checkpoint!.block_number}\n`));
        const response = await postGraphQL(url, JSON.stringify({ query: "{ models(first: 1) { totalCount } }" }));
        assert.equal(response.status, 200);
      } finally {
        await closeServer(server);
      }
    });
  });
