/**
 * startApi's start-up (src/api/startApi.ts): a PostgreSQL server that is not reachable yet is tried again while the
 * store's error says `retryable`, with one warning per retry, and the API serves once the server answers. The server
 * "starts late" as a TCP proxy to the test PostgreSQL that begins listening after a while. A store error that is not
 * retryable fails at once (test/internal/retry.test.ts).
 */
import assert from "node:assert/strict";
import { createServer, connect, type Server } from "node:net";

import { startApi } from "../../src/api/startApi.js";
import { freePort } from "../../src/cli/childProcesses.js";
import { isRetryable } from "../../src/internal/errors.js";
import type { Logger } from "../../src/internal/logger.js";
import { sleep } from "../../src/internal/sleep.js";
import { createStore } from "../../src/store/createStore.js";
import { freshStore } from "../indexer/scenario.js";

/** Forwards connections on `port` to the test PostgreSQL at `target` (test/helpers/postgres.ts chooses it). */
function startProxy(port: number, target: URL): Promise<Server> {
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

const recorder = () => {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  };
  return { logger, warnings };
};

describe("startApi: start-up retry", function () {
  let database: Awaited<ReturnType<typeof freshStore>> | undefined;
  let proxy: Promise<Server> | undefined;

  after(async function () {
    (await proxy)?.close();
    await database?.dispose();
  });

  it("tries a PostgreSQL that is not up yet again, with backoff and a warning per retry, then serves", async function () {
    database = await freshStore("postgres");
    await database.store.close();
    const port = await freePort();
    const target = new URL((database.options as { databaseUrl: string }).databaseUrl);
    const databaseUrl = `postgres://postgres@127.0.0.1:${port}${target.pathname}`;
    // While nothing listens there, the store's error says a retry may help.
    const unreachable = await createStore({ databaseUrl }).then(
      async (store) => {
        await store.close();
        throw new Error(`something answers on port ${port}`);
      },
      (error: unknown) => error,
    );

    const { logger, warnings } = recorder();
    assert.ok(isRetryable(unreachable), `not retryable: ${String(unreachable)}`);
    proxy = sleep(600).then(() => startProxy(port, target));
    const starting = startApi({
      store: { databaseUrl },
      port: 0,
      logger,
      retry: { attempts: 10, initialDelayMs: 100, maxDelayMs: 400 },
    });
    const api = await starting;
    try {
      assert.ok(warnings.length >= 1, "at least one retry before the server listened");
      for (const [i, line] of warnings.entries()) {
        assert.match(line, new RegExp(`^store not reachable \\(.*\\); retrying in [\\d.]+ s, attempt ${i + 2} of 10$`));
      }
      const response = await fetch(`${api.url}/ready`);
      assert.equal(response.status, 503, "serves the store (no checkpoint yet: not ready)");
    } finally {
      await api.stop();
    }
  });
});
