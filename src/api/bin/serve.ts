/**
 * `npm run serve -- [flags]`: the GraphQL API over the indexer's store, at http://HOST:PORT/graphql (GraphiQL in a
 * browser), with /health and /ready. Ctrl-C stops it.
 */
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

import { describeError } from "../../internal/describeError.js";
import { ledgerAbi } from "../../contracts/abis.js";
import { createStore } from "../../store/createStore.js";
import { createApiServer } from "../createApiServer.js";
import { createResponseCache } from "../responseCache.js";

const HELP = `Usage: npm run serve -- [flags]

Serves GraphQL over the indexer's store. With PGlite (the default) stop the indexer first: one process owns an
embedded database. With PostgreSQL, run as many API replicas as you like next to the one indexer.

  --port N          port (0: any free one, printed)          [4000]
  --host HOST       address to listen on                     [127.0.0.1]
  --database URL    PostgreSQL URL (env DATABASE_URL); without it, PGlite embedded
  --data-dir DIR    PGlite data folder (env STEMMA_DATA_DIR)  [.stemma/pglite]
  --cache-mb N      memory for repeated answers, kept until the indexer commits; 0: no cache   [64]
  --help            this text
`;

/** PostgreSQL connections: each request holds one for its snapshot, so this many run their SQL at once. */
const POOL_SIZE = 10;

try {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      port: { type: "string", default: "4000" },
      host: { type: "string", default: "127.0.0.1" },
      database: { type: "string", default: process.env.DATABASE_URL ?? "" },
      "data-dir": { type: "string", default: process.env.STEMMA_DATA_DIR ?? ".stemma/pglite" },
      "cache-mb": { type: "string", default: "64" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65_535)
    throw new Error(`--port must be 0-65535, not "${values.port}".`);
  if (!/^\d+$/.test(values["cache-mb"]))
    throw new Error(`--cache-mb must be a whole number, not "${values["cache-mb"]}".`);
  const cacheMb = Number(values["cache-mb"]);
  const store = await createStore(
    values.database ? { databaseUrl: values.database, poolSize: POOL_SIZE } : { dataDir: values["data-dir"] },
  );
  const cache =
    cacheMb > 0
      ? await createResponseCache({
          store,
          maxBytes: cacheMb * 1024 * 1024,
          onLost: (error) =>
            process.stderr.write(`warning: response cache off until the store is back: ${error.message}\n`),
        })
      : undefined;
  const server = createApiServer({ store, abi: ledgerAbi, cache });
  server.once("error", (error: NodeJS.ErrnoException) => {
    const hint = error.code === "EADDRINUSE" ? ": another process listens there; pick another --port" : "";
    process.stderr.write(`error: cannot listen on ${values.host}:${values.port} (${error.message})${hint}.\n`);
    void Promise.all([cache?.close(), store.close()]).finally(() => (process.exitCode = 1));
  });
  server.listen(Number(values.port), values.host, () => {
    // The bound port, not the flag: with --port 0 the system picks one, and whoever started us needs to know which.
    const { port } = server.address() as AddressInfo;
    process.stderr.write(`GraphQL API at http://${values.host}:${port}/graphql over ${store.location}\n`);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => server.close(() => void cache?.close().then(() => store.close())));
  }
} catch (error) {
  process.stderr.write(`error: ${describeError(error, "npm run serve -- --help")}\n`);
  process.exitCode = 1;
}
