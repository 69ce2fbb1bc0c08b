/**
 * `stemma serve` and `npm run serve -- [flags]`: the GraphQL API over the indexer's store, at
 * http://HOST:PORT/graphql (GraphiQL in a browser), with /health and /ready. Ctrl-C stops it.
 */
import { parseArgs } from "node:util";

import { DEFAULT_MAX_SUBSCRIPTIONS, DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT } from "../api/subscriptionHub.js";
import { startApi } from "../api/startApi.js";
import { describeError } from "../internal/describeError.js";
import type { Logger } from "../internal/logger.js";

const HELP = `Usage: npm run serve -- [flags]

Serves GraphQL over the indexer's store. With PGlite (the default) stop the indexer first: one process owns an
embedded database. With PostgreSQL, run as many API replicas as you like next to the one indexer.

  --port N          port (0: any free one, printed)          [4000]
  --host HOST       address to listen on                     [127.0.0.1]
  --database URL    PostgreSQL URL (env DATABASE_URL); without it, PGlite embedded
  --data-dir DIR    PGlite data folder (env STEMMA_DATA_DIR)  [.stemma/pglite]
  --cache-mb N      memory for repeated answers, kept until the indexer commits; 0: no cache   [64]
  --max-subscriptions N             subscriptions served at once; more get SUBSCRIPTION_LIMIT  [${DEFAULT_MAX_SUBSCRIPTIONS}]
  --max-subscriptions-per-client N  subscriptions one remote address may hold                [${DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT}]
  --help            this text
`;

/** The API's warnings (a store not reachable yet, the cache turned off) as `warning: ...` lines on stderr. */
const warnings: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => process.stderr.write(`warning: ${message}\n`),
  error: (message) => process.stderr.write(`error: ${message}\n`),
};

/** Serves until SIGINT or SIGTERM; resolves with the exit code (errors are printed here, with the help hint). */
export async function serve(argv: string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: "string", default: "4000" },
        host: { type: "string", default: "127.0.0.1" },
        database: { type: "string", default: process.env.DATABASE_URL ?? "" },
        "data-dir": { type: "string", default: process.env.STEMMA_DATA_DIR ?? ".stemma/pglite" },
        "cache-mb": { type: "string", default: "64" },
        "max-subscriptions": { type: "string", default: String(DEFAULT_MAX_SUBSCRIPTIONS) },
        "max-subscriptions-per-client": { type: "string", default: String(DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT) },
        help: { type: "boolean", default: false },
      },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65_535)
      throw new Error(`--port must be 0-65535, not "${values.port}".`);
    if (!/^\d+$/.test(values["cache-mb"]))
      throw new Error(`--cache-mb must be a whole number, not "${values["cache-mb"]}".`);
    for (const flag of ["max-subscriptions", "max-subscriptions-per-client"] as const)
      if (!/^\d+$/.test(values[flag])) throw new Error(`--${flag} must be a whole number, not "${values[flag]}".`);
    let api;
    try {
      api = await startApi({
        store: values.database ? { databaseUrl: values.database } : { dataDir: values["data-dir"] },
        port: Number(values.port),
        host: values.host,
        cacheBytes: Number(values["cache-mb"]) * 1024 * 1024,
        maxSubscriptions: Number(values["max-subscriptions"]),
        maxSubscriptionsPerClient: Number(values["max-subscriptions-per-client"]),
        logger: warnings,
      });
    } catch (error) {
      const { syscall, code } = error as NodeJS.ErrnoException;
      // The server's own errors (binding the port, resolving --host); the store's are thrown on.
      if (syscall !== "listen" && syscall !== "getaddrinfo") throw error;
      const hint = code === "EADDRINUSE" ? ": another process listens there; pick another --port" : "";
      process.stderr.write(
        `error: cannot listen on ${values.host}:${values.port} (${(error as Error).message})${hint}.\n`,
      );
      return 1;
    }
    process.stderr.write(`GraphQL API at ${api.url}/graphql over ${api.store.location}\n`);
    const stop = () => void api.stop();
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, stop);
    await api.closed;
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.off(signal, stop);
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${describeError(error, "npm run serve -- --help")}\n`);
    return 1;
  }
}
