import { createServer, type Server } from "node:http";

import type { Store } from "../indexer/store/types.js";
import { createApi, type CreateApiParameters } from "./createApi.js";

/** The largest request body accepted, in bytes; larger ones get 413 before anything is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Milliseconds a request may take before the server gives up on it. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * An HTTP server: `/graphql`, `/health` (200 while the process serves), `/ready` (200 once the indexer's backfill is
 * done, 503 before) and `/metrics` (Prometheus).
 */
export function createApiServer(parameters: CreateApiParameters): Server {
  const { store } = parameters;
  const yoga = createApi(parameters);
  const requests = new Map<string, number>();
  const server = createServer(async (request, response) => {
    response.once("finish", () => {
      const route = (request.url ?? "").split("?")[0];
      const key = `route="${["/graphql", "/health", "/ready", "/metrics"].includes(route!) ? route : "other"}",status="${response.statusCode}"`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    });
    if (request.url === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(await metrics(store, requests));
      return;
    }
    if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
      response.writeHead(413, { "content-type": "application/json", connection: "close" }).end(
        JSON.stringify({
          errors: [
            { message: `The request body is over ${MAX_BODY_BYTES} bytes.`, extensions: { code: "PAYLOAD_TOO_LARGE" } },
          ],
        }),
      );
      request.destroy();
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
    await yoga(request, response);
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return server;
}

/** Prometheus text: requests served by route and status, and how far the store has indexed. */
async function metrics(store: Store, requests: ReadonlyMap<string, number>): Promise<string> {
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
  ];
  return `${lines.join("\n")}\n`;
}
