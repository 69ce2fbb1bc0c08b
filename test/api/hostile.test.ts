/**
 * Hostile queries against the API over HTTP on 127.0.0.1: deep nesting, a thousand aliases, a billion-row page,
 * malformed ids, filters nested a thousand deep, introspection that feeds on itself and oversized bodies each get a
 * clear error with a code, and the server keeps serving. Oversized bodies are sent from another thread, as another
 * process would send them, with and without the response cache (which reads bodies itself).
 */
import assert from "node:assert/strict";
import { request as httpRequest, type Server } from "node:http";
import { connect } from "node:net";
import { Worker } from "node:worker_threads";

import { createApi } from "../../src/api/createApi.js";
import { createApiServer, REQUEST_TIMEOUT_MS } from "../../src/api/createApiServer.js";
import { MAX_OF_TYPE_CHAIN } from "../../src/api/introspectionLimit.js";
import { MAX_BRACKET_DEPTH, MAX_FILTER_DEPTH } from "../../src/api/nestingLimits.js";
import { MAX_ALIASES, MAX_QUERY_COST, MAX_QUERY_DEPTH } from "../../src/api/queryLimits.js";
import { createCommitFeed, type CommitFeed } from "../../src/api/commitFeed.js";
import { createResponseCache, type ResponseCache } from "../../src/api/responseCache.js";
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

/** What {postFromWorker} sends: 20 MB of JSON or of text with a content-length, or 10 MB chunked (no length). */
type LargeBody = "20 MB of JSON" | "20 MB of text" | "10 MB chunked";

// Runs in a worker thread: builds the body there (so it is not copied across) and posts it with Node's fetch (undici).
const WORKER_CLIENT = `
const { parentPort, workerData: { url, kind } } = require("node:worker_threads");
const MB = 1024 * 1024;
const body =
  kind === "20 MB of JSON" ? JSON.stringify({ query: "{ models(first: 1) { totalCount } } #" + "x".repeat(20 * MB) })
  : kind === "20 MB of text" ? "x".repeat(20 * MB)
  : new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(" ".repeat(MB)));
        controller.close();
      },
    });
fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body,
  duplex: "half",
  signal: AbortSignal.timeout(15000),
})
  .then(async (response) => parentPort.postMessage({ status: response.status, text: await response.text() }))
  .catch((error) => parentPort.postMessage({ error: String(error.cause?.code ?? error.message) }));
`;

/**
 * Posts a large body to `url` from a worker thread, as another process would. A client in the server's own thread
 * reads the answer before the server's next turn, so it would not see a reset that a client elsewhere does.
 */
async function postFromWorker(url: string, kind: LargeBody) {
  const worker = new Worker(WORKER_CLIENT, { eval: true, workerData: { url: `${url}/graphql`, kind } });
  try {
    return await new Promise<{ status?: number; text?: string; error?: string }>((resolve, reject) => {
      worker.once("message", resolve).once("error", reject);
    });
  } finally {
    await worker.terminate();
  }
}

/** A `where` filter with OR nested `levels` deep, as query text and as a variable's value. */
function nestedFilter(levels: number): { literal: string; value: unknown } {
  let literal = '{ key_contains: "a" }';
  let value: unknown = { key_contains: "a" };
  for (let level = 0; level < levels; level++) {
    literal = `{ OR: [${literal}, { key: "b" }] }`;
    value = { OR: [value, { key: "b" }] };
  }
  return { literal, value };
}

describe("GraphQL API: hostile queries", function () {
  let scenario: Scenario;
  let dispose: () => Promise<void>;
  let server: Server;
  let url: string;
  let feed: CommitFeed;
  let cache: ResponseCache;
  let cachedServer: Server;
  let cachedUrl: string;

  const post = async (body: string, to = url) => {
    const response = await postGraphQL(to, body);
    return { status: response.status, json: (await response.json()) as GraphQLResponse };
  };
  const query = (text: string, variables?: Record<string, unknown>) => post(JSON.stringify({ query: text, variables }));
  const stillServes = async (to = url) => {
    const { json } = await post(JSON.stringify({ query: "{ models(first: 1) { totalCount } }" }), to);
    assert.equal(json.errors, undefined);
  };

  before(async function () {
    scenario = await startScenario(51, 6);
    const indexed = await indexedStore(scenario);
    dispose = indexed.dispose;
    server = createApiServer({ store: indexed.store, abi: ledgerAbi });
    url = await listenLocally(server);
    feed = await createCommitFeed({ store: indexed.store });
    cache = createResponseCache({ feed });
    cachedServer = createApiServer({ store: indexed.store, abi: ledgerAbi, cache });
    cachedUrl = await listenLocally(cachedServer);
  });

  after(async function () {
    await closeServer(server);
    await closeServer(cachedServer);
    cache?.close();
    await feed?.close();
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

  it("answers 20 MB bodies (JSON or not) and a 10 MB chunked body with a 413 the client can read, cached or not", async function () {
    for (const [path, to] of [
      ["uncached", url],
      ["cached", cachedUrl],
    ] as const) {
      for (const kind of ["20 MB of JSON", "20 MB of text", "10 MB chunked"] as const) {
        const answer = await postFromWorker(to, kind);
        assert.equal(answer.error, undefined, `${path}, ${kind}: the client saw ${answer.error}`);
        assert.equal(answer.status, 413, `${path}, ${kind}`);
        assert.equal((JSON.parse(answer.text!) as GraphQLResponse).errors?.[0]?.extensions?.code, "PAYLOAD_TOO_LARGE");
      }
      await stillServes(to);
    }
  });

  it("closes the connection of a client that stops sending a refused body, once it has its 413", async function () {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.setEncoding("utf8").on("data", (text: string) => (received += text));
    socket.on("error", () => {}); // a reset still ends in "close", and the answer is checked below
    const closed = new Promise<boolean>((resolve) => socket.once("close", () => resolve(true)));
    socket.write(
      `POST /graphql HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
        `content-length: ${20 * 1024 * 1024}\r\n\r\n${"x".repeat(1024)}`,
    );
    // The server gives up on the rest after DISCARD_MAX_MS (requestTimeout would end it after REQUEST_TIMEOUT_MS).
    const bound = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2 * REQUEST_TIMEOUT_MS).unref());
    const closedByServer = await Promise.race([closed, bound]);
    socket.destroy();
    assert.ok(closedByServer, "the server kept the connection open");
    assert.match(received, /^HTTP\/1\.1 413 /);
    assert.match(received, /PAYLOAD_TOO_LARGE/);
  });

  it("serves a small chunked body as any other, cached or not", async function () {
    for (const to of [url, cachedUrl]) {
      const response = await fetch(`${to}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new Blob([JSON.stringify({ query: "{ models(first: 2) { totalCount } }" })]).stream(),
        duplex: "half",
        signal: AbortSignal.timeout(15_000),
      } as RequestInit);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { data: { models: { totalCount: number } } }).data.models.totalCount, 6);
    }
  });

  it("keeps serving when a client goes away in the middle of its body, cached or not", async function () {
    for (const to of [url, cachedUrl]) {
      const request = httpRequest(`${to}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      });
      request.on("error", () => {}); // the client's own end of the abort
      request.write('{"query": "{ models(first: 1) { tota');
      await new Promise((resolve) => setTimeout(resolve, 200));
      request.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await stillServes(to);
    }
  });

  it("refuses a where with OR nested 1,000 deep, in the query text or in a variable, with 400 QUERY_TOO_COMPLEX", async function () {
    const { literal, value } = nestedFilter(1_000);
    const inText = await query(`{ models(first: 1, where: ${literal}) { totalCount } }`);
    assert.equal(inText.status, 400);
    assert.equal(inText.json.errors?.[0]?.extensions?.code, "QUERY_TOO_COMPLEX");
    assert.match(inText.json.errors![0]!.message, new RegExp(`more than ${MAX_BRACKET_DEPTH} deep`));
    const inVariable = await query("query ($where: ModelFilter) { models(first: 1, where: $where) { totalCount } }", {
      where: value,
    });
    assert.equal(inVariable.status, 400);
    assert.equal(inVariable.json.errors?.[0]?.extensions?.code, "QUERY_TOO_COMPLEX");
    assert.match(
      inVariable.json.errors![0]!.message,
      new RegExp(`\\$where nests AND/OR more than ${MAX_FILTER_DEPTH} levels`),
    );
    await stillServes();
  });

  it(`serves a filter nested ${MAX_FILTER_DEPTH} levels and refuses one a level deeper, in text, variables and defaults`, async function () {
    const byVariable = "query ($where: ModelFilter) { models(first: 100, where: $where) { totalCount } }";
    const deepest = nestedFilter(MAX_FILTER_DEPTH);
    const expected = (await query(`{ models(first: 100, where: { key_contains: "a" }) { totalCount } }`)).json;
    assert.ok((expected.data as { models: { totalCount: number } }).models.totalCount > 0);
    for (const served of [
      await query(`{ models(first: 100, where: ${deepest.literal}) { totalCount } }`),
      await query(byVariable, { where: deepest.value }),
    ]) {
      assert.equal(served.status, 200);
      assert.deepEqual(served.json, expected);
    }
    const tooDeep = nestedFilter(MAX_FILTER_DEPTH + 1);
    for (const refused of [
      await query(`{ models(first: 1, where: ${tooDeep.literal}) { totalCount } }`),
      await query(byVariable, { where: tooDeep.value }),
      await query(
        `query ($where: ModelFilter = ${tooDeep.literal}) { models(first: 1, where: $where) { totalCount } }`,
      ),
      // Through AND as well as OR.
      await query(byVariable, { where: JSON.parse(JSON.stringify(tooDeep.value).replaceAll('"OR"', '"AND"')) }),
    ]) {
      assert.equal(refused.status, 400);
      assert.equal(refused.json.errors?.[0]?.extensions?.code, "QUERY_TOO_COMPLEX");
      assert.match(refused.json.errors![0]!.message, new RegExp(`more than ${MAX_FILTER_DEPTH} levels deep`));
    }
  });

  it("refuses introspection that asks referred types for their members again, or an endless ofType chain", async function () {
    for (const text of [
      // graphql-js's own rule also refuses this one (three levels of fields).
      '{ __type(name: "Model") { fields { type { fields { type { fields { name } } } } } } }',
      // ... but not these: each multiplies the answer by every field of every type.
      "{ __schema { types { fields { type { fields { name } } } } } }",
      "{ __schema { types { fields { type { ...members } } } } } fragment members on __Type { inputFields { name } }",
      "{ __schema { types { interfaces { possibleTypes { name } } } } }",
      `{ __type(name: "Model") { ${"ofType { ".repeat(MAX_OF_TYPE_CHAIN + 1)}name${" }".repeat(MAX_OF_TYPE_CHAIN + 1)} } }`,
    ]) {
      const { status, json } = await query(text);
      assert.equal(status, 400, text);
      assert.ok(
        json.errors?.some((e) => e.extensions?.code === "QUERY_TOO_COMPLEX"),
        `${text}: ${JSON.stringify(json.errors)}`,
      );
      assert.equal(json.data, undefined);
    }
    // Ordinary fields are held to the depth limit even next to introspection.
    let selection = "id";
    for (let i = 0; i < 7; i++) selection = `parents { parent { ${selection} } }`;
    const mixed = await query(`{ __schema { queryType { name } } model(key: "x") { ${selection} } }`);
    assert.match(mixed.json.errors?.[0]?.message ?? "", new RegExp(`at most ${MAX_QUERY_DEPTH} are allowed`));
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
