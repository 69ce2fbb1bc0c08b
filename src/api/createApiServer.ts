import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import type { Store } from "../store/types.js";
import { createApi, type CreateApiParameters } from "./createApi.js";
import type { CacheHints } from "./resolvers.js";
import type { ResponseCache } from "./responseCache.js";
import { createSubscriptionHub, type SubscriptionHub } from "./subscriptionHub.js";

/** The largest request body accepted, in bytes; larger ones get 413 before anything is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Milliseconds a request may take before the server gives up on it. */
export const REQUEST_TIMEOUT_MS = 10_000;

export type CreateApiServerParameters = CreateApiParameters & {
  /** Answers repeated queries from memory until the indexer commits (src/api/responseCache.ts); none by default. */
  cache?: ResponseCache | undefined;
};

/**
 * An HTTP server: `/graphql`, `/health` (200 while the process serves), `/ready` (200 once the indexer's backfill is
 * done, 503 before) and `/metrics` (Prometheus).
 */
export function createApiServer(parameters: CreateApiServerParameters): Server {
  const { store, cache } = parameters;
  const subscriptions = parameters.subscriptions ?? createSubscriptionHub({ store, abi: parameters.abi });
  const yoga = createApi({ ...parameters, subscriptions });
  const requests = new Map<string, number>();
  const server = createServer(async (request, response) => {
    response.once("finish", () => {
      const route = (request.url ?? "").split("?")[0];
      const key = `route="${["/graphql", "/health", "/ready", "/metrics"].includes(route!) ? route : "other"}",status="${response.statusCode}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    });
    if (request.url === "/metrics") {
      response
        .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
        .end(await metrics(store, requests, cache, subscriptions));
      return;
    }
    if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
      refuseLargeBody(request, response);
      return;
    }
    if (request.url === "/health") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
      return;
    }
    if (request.url === "/ready") {
      const [row] = await store
        .query<{ backfill_done: boolean }>("SELECT backfill_done FROM indexer_checkpoint WHERE id = 1")
        .catch(() => []);
      const ready = row?.backfill_done === true;
      response.writeHead(ready ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ready }));
      return;
    }
    if (cache && isCacheableRequest(request)) {
      await answerThroughCache(request, response, cache);
      return;
    }
    await yoga(request, response);
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return server;

  /**
   * A JSON POST to /graphql: answered from the cache when the same body (and Accept) was answered since the last
   * commit, otherwise run by yoga and kept if it executed without errors and read nothing time-dependent.
   */
  async function answerThroughCache(request: IncomingMessage, response: ServerResponse, cache: ResponseCache) {
    const body = await readBody(request);
    if (body === null) {
      refuseLargeBody(request, response);
      return;
    }
    const key = `${request.headers.accept ?? ""}\n${body}`;
    const cached = cache.get(key);
    if (cached !== undefined) {
      response.writeHead(200, { "content-type": cached.contentType }).end(cached.body);
      return;
    }
    const generation = cache.generation();
    const hints: CacheHints = { executedCleanly: false, readsClock: false };
    const answer = await yoga.fetch(
      `http://${request.headers.host ?? "localhost"}${request.url}`,
      { method: "POST", headers: forwardedHeaders(request), body },
      { req: request, res: response, cacheHints: hints },
    );
    const bytes = Buffer.from(await answer.arrayBuffer());
    response.writeHead(answer.status, Object.fromEntries(answer.headers)).end(bytes);
    if (answer.status === 200 && hints.executedCleanly && !hints.readsClock) {
      cache.set(
        key,
        { contentType: answer.headers.get("content-type") ?? "application/json", body: bytes },
        generation,
      );
    }
  }
}

const isCacheableRequest = (request: IncomingMessage) =>
  request.method === "POST" &&
  request.url === "/graphql" &&
  (request.headers["content-type"] ?? "").startsWith("application/json") &&
  !(request.headers.accept ?? "").includes("text/event-stream");

/** The request's headers for yoga, without those that described the body's transfer (it is passed whole). */
function forwardedHeaders(request: IncomingMessage): [string, string][] {
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === "content-length" || name === "transfer-encoding" || name === "connection")
      continue;
    headers.push([name, Array.isArray(value) ? value.join(", ") : value]);
  }
  return headers;
}

/** The request's body as text, or null once it passes {MAX_BODY_BYTES} (a chunked body has no length up front). */
async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function refuseLargeBody(request: IncomingMessage, response: ServerResponse) {
  response.writeHead(413, { "content-type": "application/json", connection: "close" }).end(
    JSON.stringify({
      errors: [
        { message: `The request body is over ${MAX_BODY_BYTES} bytes.`, extensions: { code: "PAYLOAD_TOO_LARGE" } },
      ],
    }),
  );
  request.destroy();
}

/** Prometheus text: requests served by route and status, how far the store has indexed, cache and subscriptions. */
async function metrics(
  store: Store,
  requests: ReadonlyMap<string, number>,
  cache: ResponseCache | undefined,
  subscriptions: SubscriptionHub,
): Promise<string> {
  const [row] = await store
    .query<{ block_number: string; block_timestamp: string }>(
      "SELECT block_number, block_timestamp FROM indexer_checkpoint WHERE id = 1",
    )
    .catch(() => []);
  const lines = [
    "# HELP stemma_api_requests_total HTTP requests served, by route and status.",
    "# TYPE stemma_api_requests_total counter",
    ...[...requests].map(([labels, count]) => `stemma_api_requests_total{${labels}} ${count}`),
    "# HELP stemma_indexed_block The newest block the store reflects.",
    "# TYPE stemma_indexed_block gauge",
    `stemma_indexed_block ${row?.block_number ?? 0}`,
    "# HELP stemma_index_lag_seconds Seconds between the indexed block's timestamp and now.",
    "# TYPE stemma_index_lag_seconds gauge",
    `stemma_index_lag_seconds ${row ? Math.max(0, Math.floor(Date.now() / 1000) - Number(row.block_timestamp)) : 0}`,
    "# HELP stemma_api_subscriptions Open subscriptions (SSE streams).",
    "# TYPE stemma_api_subscriptions gauge",
    `stemma_api_subscriptions ${subscriptions.stats().subscriptions}`,
    "# HELP stemma_api_subscription_clients Remote addresses holding at least one subscription.",
    "# TYPE stemma_api_subscription_clients gauge",
    `stemma_api_subscription_clients ${subscriptions.stats().clients}`,
  ];
  if (cache) {
    const { hits, misses, entries, bytes } = cache.stats();
    lines.push(
      "# HELP stemma_api_cache_lookups_total Cacheable GraphQL requests, by whether the response cache had the answer.",
      "# TYPE stemma_api_cache_lookups_total counter",
      `stemma_api_cache_lookups_total{result="hit"} ${hits}`,
      `stemma_api_cache_lookups_total{result="miss"} ${misses}`,
      "# HELP stemma_api_cache_entries Responses the cache holds for the current indexed state.",
      "# TYPE stemma_api_cache_entries gauge",
      `stemma_api_cache_entries ${entries}`,
      "# HELP stemma_api_cache_bytes Characters of cached responses (bytes for ASCII JSON).",
      "# TYPE stemma_api_cache_bytes gauge",
      `stemma_api_cache_bytes ${bytes}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
