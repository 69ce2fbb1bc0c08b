/**
 * Hostile queries against the API over HTTP on 127.0.0.1: deep nesting, a thousand aliases, a billion-row page,
 * malformed ids and an oversized body each get a clear error with a code, and the server keeps serving.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";

import { createApi } from "../../src/api/createApi.js";
import { createApiServer } from "../../src/api/createApiServer.js";
import { MAX_ALIASES, MAX_QUERY_COST, MAX_QUERY_DEPTH } from "../../src/api/queryLimits.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import {
  type GraphQLResponse,
  closeServer,
  indexedStore,
  listenLocally,
  postGraphQL,
  queryApi,
} from "../helpers/api.js";
import { captureConsole } from "../helpers/console.js";
import { freshStore, startScenario, type Scenario } from "../indexer/scenario.js";

describe("GraphQL API: hostile queries", function () {
  let scenario: Scenario;
  let dispose: () => Promise<void>;
  let server: Server;
  let url: string;

  const post = async (body: string) => {
    const response = await postGraphQL(url, body);
    return { status: response.status, json: (await response.json()) as GraphQLResponse };
  };
  const query = (text: string) => post(JSON.stringify({ query: text }));
  const stillServes = async () => {
    const { json } = await query("{ models(first: 1) { totalCount } }");
    assert.equal(json.errors, undefined);
  };

  before(async function () {
    scenario = await startScenario(51, 6);
    const indexed = await indexedStore(scenario);
    dispose = indexed.dispose;
    server = createApiServer({ store: indexed.store, abi: ledgerAbi });
    url = await listenLocally(server);
  });

  after(async function () {
    await closeServer(server);
    await dispose?.();
    await scenario?.stop();
  });

  it("refuses a query 50 levels deep with QUERY_TOO_COMPLEX", async function () {
    let selection = "id";
    for (let i = 0; i < 25; i++) selection = `parents { parent { ${selection} } }`;
    const { json } = await query(`{ models(first: 1) { edges { node { ${selection} } } } }`);
    assert.equal(json.errors?.[0]?.extensions?.code, "QUERY_TOO_COMPLEX");
    assert.match(json.errors![0]!.message, new RegExp(`at most ${MAX_QUERY_DEPTH} are allowed`));
    await stillServes();
  });

  it("refuses 1,000 aliases with QUERY_TOO_COMPLEX", async function () {
    const fields = Array.from({ length: 1_000 }, (_, i) => `a${i}: models(first: 100) { totalCount }`).join(" ");
    const { json } = await query(`{ ${fields} }`);
    assert.equal(json.errors?.[0]?.extensions?.code, "QUERY_TOO_COMPLEX");
    assert.ok(json.errors!.some((e) => e.message.includes(`more than ${MAX_ALIASES} aliases`)));
    await stillServes();
  });

  it("refuses a query whose nested pages would cost too much with QUERY_TOO_COMPLEX, and serves one that fits", async function () {
    const costly = "{ models(first: 100) { edges { node { children(first: 100) { edges { node { key } } } } } } }";
    const { json } = await query(costly);
    assert.equal(json.errors?.[0]?.extensions?.code, "QUERY_TOO_COMPLEX");
    assert.match(json.errors![0]!.message, new RegExp(`over the limit of ${MAX_QUERY_COST}`));
    // A fragment does not hide the cost.
    const viaFragment = await query(
      "{ models(first: 100) { edges { node { ...kids } } } } fragment kids on Model { children(first: 100) { totalCount edges { node { key } } } }",
    );
    assert.equal(viaFragment.json.errors?.[0]?.extensions?.code, "QUERY_TOO_COMPLEX");
    const fits = await query(
      "{ models(first: 100) { edges { node { id key parents { weightPpm parent { id key } } contributors { account role weightPpm } } } } }",
    );
    assert.equal(fits.json.errors, undefined);
    await stillServes();
  });

  it("refuses first: 1000000000 and malformed ids with BAD_USER_INPUT", async function () {
    for (const text of ["{ models(first: 1000000000) { totalCount } }", '{ model(id: "0xzz") { id } }']) {
      const { json } = await query(text);
      assert.equal(json.errors?.[0]?.extensions?.code, "BAD_USER_INPUT", text);
    }
    await stillServes();
  });

  it("refuses a 1 MB body with 413 before parsing it", async function () {
    const { status, json } = await post(JSON.stringify({ query: `{ _meta { chainId } } #${"x".repeat(1 << 20)}` }));
    assert.equal(status, 413);
    assert.equal(json.errors?.[0]?.extensions?.code, "PAYLOAD_TOO_LARGE");
    await stillServes();
  });

  it("masks internal errors: a failing store gives a generic message, not its internals", async function () {
    const broken = await freshStore("pglite");
    await broken.store.close();
    const output = captureConsole();
    let json: GraphQLResponse;
    try {
      json = await queryApi(createApi({ store: broken.store, abi: ledgerAbi }), "{ models(first: 1) { totalCount } }");
    } finally {
      output.restore();
    }
    assert.equal(json.errors?.[0]?.message, "Unexpected error.");
    assert.doesNotMatch(JSON.stringify(json), /pglite|closed|stack|\.ts/i);
    // The operator still sees the cause in the log.
    assert.equal(output.printed.length, 1);
    assert.match(output.printed[0]!, /The store at .* is closed/);
    await broken.dispose();
    const syntax = await query("{ models(first: 1) { ");
    assert.equal(syntax.json.errors?.[0]?.extensions?.code, "GRAPHQL_PARSE_FAILED");
    await stillServes();
  });
});
