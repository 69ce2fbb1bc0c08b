import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

import type { Store } from "../store/types.js";
import { createApi, type CreateApiParameters } from "./createApi.js";
import type { CacheHints } from "./resolvers.js";
import { JSON_CONTENT_TYPE, acceptsPlainJson, createFastAnswerer } from "./fastAnswer.js";
import type { ResponseCache } from "./responseCache.js";
import { createSubscriptionHub, type SubscriptionHub } from "./subscriptionHub.js";

/** The largest request body accepted, in bytes; larger ones get 413 before anything is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Milliseconds a request may take before the server gives up on it. */
export const REQUEST_TIMEOUT_MS = 10_000;
/**
 * After a 413, how many more bytes of the body, and for how many milliseconds, the server reads and throws away
 * before it closes the connection. Closing with unread data sends a reset, and the reset makes the client lose the
 * answer it has not read yet (ECONNRESET instead of 413); the caps keep a client from holding the server for longer.
 */
export const DISCARD_MAX_BYTES = 32 * 1024 * 1024;
export const DISCARD_MAX_MS = 5_000;

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
  const answerFast = createFastAnswerer(yoga);
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
    if (isJsonQueryPost(request)) {
      await answerJsonPost(request, response);
      return;
    }
    if (request.method === "POST" && request.headers["transfer-encoding"] !== undefined) {
      await answerChunkedBody(request, response);
      return;
    }
    await yoga(request, response);
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return server;

  /**
   * A JSON POST to /graphql: answered from the cache when the same body (and Accept) was answered since the last
   * commit; otherwise run, on the fast path when it can answer (fastAnswer.ts), else by yoga; and kept in the
   * cache if it executed without errors and read nothing time-dependent.
   */
  async function answerJsonPost(request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request);
    if (body === TOO_LARGE) refuseLargeBody(request, response);
    if (typeof body !== "string") return;
    const key = `${request.headers.accept ?? ""}\n${body}`;
    const cached = cache?.get(key);
    if (cached !== undefined) {
      response
        .writeHead(200, { "content-type": cached.contentType, "content-length": cached.body.length })
        .end(cached.body);
      return;
    }
    const generation = cache?.generation();
    const hints: CacheHints = { executedCleanly: false, readsClock: false };
    const serverContext = { req: request, res: response, cacheHints: hints };
    let answer: { status: number; contentType: string; body: Buffer };
    const fast = acceptsPlainJson(request.headers.accept) ? await answerFast(body, serverContext) : undefined;
    if (fast !== undefined) {
      answer = { status: 200, contentType: JSON_CONTENT_TYPE, body: Buffer.from(fast) };
      response
        .writeHead(200, { "content-type": JSON_CONTENT_TYPE, "content-length": answer.body.length })
        .end(answer.body);
    } else {
      // A fresh record of hints: the fast path's attempt may have set them.
      Object.assign(hints, { executedCleanly: false, readsClock: false });
      const yogaAnswer = await fetchWithBody(request, body, serverContext);
      answer = {
        status: yogaAnswer.status,
        contentType: yogaAnswer.headers.get("content-type") ?? "application/json",
        body: Buffer.from(await yogaAnswer.arrayBuffer()),
      };
      response.writeHead(answer.status, Object.fromEntries(yogaAnswer.headers)).end(answer.body);
    }
    if (cache && answer.status === 200 && hints.executedCleanly && !hints.readsClock) {
      cache.set(key, { contentType: answer.contentType, body: answer.body }, generation!);
    }
  }

  /**
   * A body without a length up front (chunked) that is not a JSON query (answerJsonPost reads those): read up to
   * {MAX_BODY_BYTES} before yoga sees it, which would read any amount. The answer is streamed, since it may be a
   * subscription's.
   */
  async function answerChunkedBody(request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request);
    if (body === TOO_LARGE) refuseLargeBody(request, response);
    if (typeof body !== "string") return;
    const answer = await fetchWithBody(request, body, { req: request, res: response });
    response.writeHead(answer.status, Object.fromEntries(answer.headers));
    const reader = answer.body?.getReader();
    response.once("close", () => void reader?.cancel().catch(() => {}));
    for (let part = await reader?.read(); part && !part.done; part = await reader!.read()) response.write(part.value);
    response.end();
  }

  /** Runs yoga on a POST whose body was already read. */
  function fetchWithBody(request: IncomingMessage, body: string, serverContext: Record<string, unknown>) {
    return yoga.fetch(
      `http://${request.headers.host ?? "localhost"}${request.url}`,
      { method: "POST", headers: forwardedHeaders(request), body },
      serverContext,
    );
  }
}

const isJsonQueryPost = (request: IncomingMessage) =>
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

const TOO_LARGE = Symbol("too large");
const ABORTED = Symbol("aborted");

/**
 * The request's body as text; {TOO_LARGE} once it passes {MAX_BODY_BYTES} (a chunked body has no length up front),
 * with the rest left unread (paused) for {refuseLargeBody}; {ABORTED} when the client went away before its end.
 */
function readBody(request: IncomingMessage): Promise<string | typeof TOO_LARGE | typeof ABORTED> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (result: string | typeof TOO_LARGE | typeof ABORTED) => {
      request.off("data", onData).off("end", onEnd).off("error", onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else {
        request.pause();
        settle(TOO_LARGE);
      }
    };
    const onEnd = () => settle(Buffer.concat(chunks).toString("utf8"));
    const onError = () => settle(ABORTED);
    request.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

/**
 * Answers 413 and closes the connection once the rest of the body is read and thrown away, or once
 * {DISCARD_MAX_BYTES} more bytes or {DISCARD_MAX_MS} have passed. The whole answer is written at once (it has a
 * length), so the client can read it while it is still sending.
 */
function refuseLargeBody(request: IncomingMessage, response: ServerResponse) {
  const answer = JSON.stringify({
    errors: [
      { message: `The request body is over ${MAX_BODY_BYTES} bytes.`, extensions: { code: "PAYLOAD_TOO_LARGE" } },
    ],
  });
  response
    .writeHead(413, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(answer),
      connection: "close",
    })
    .write(answer);
  let discarded = 0;
  const close = () => {
    clearTimeout(timer);
    request.off("data", discard).off("end", close).off("error", close);
    response.end(); // with `connection: close`, Node closes the socket once the answer is flushed
  };
  const discard = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_MAX_BYTES) close();
  };
  const timer = setTimeout(close, DISCARD_MAX_MS);
  request.on("data", discard).on("end", close).on("error", close).resume();
  if (request.readableEnded) close(); // a chunked body may have ended while readBody handed it over
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
