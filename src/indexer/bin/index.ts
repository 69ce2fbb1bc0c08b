/**
 * `npm run index -- [flags]`: follows the Stemma contracts and keeps the database a mirror of the ledger.
 * Ctrl-C (or SIGTERM) stops after the batch in flight commits.
 */
import { readDeploymentRecord } from "../../chain/deploymentRecord.js";
import { ledgerAbi } from "../../contracts/abis.js";
import { createLogger, type LogLevel } from "../../internal/logger.js";
import { createRpcClient } from "../../chain/rpc/createRpcClient.js";
import { acquireDataDirLock, acquireWriterLock } from "../../store/acquireWriterLock.js";
import { createStore } from "../../store/createStore.js";
import { migrate } from "../../store/migrate.js";
import { migrations } from "../../store/migrations.js";
import { createIndexer } from "../sync/createIndexer.js";
import { describeError } from "../../internal/describeError.js";
import { SHARED_HELP, parseOptions, removeDataDir } from "./options.js";

const HELP = `Usage: npm run index -- [flags]

Backfills the Stemma contracts' events from the deployment block, then follows new blocks, keeping the database an
exact mirror of the ledger (reorg-safe, crash-safe: a restart resumes from the last commit).

${SHARED_HELP}
  --confirmations N    blocks behind the head before data counts as final  [0]
  --reorg-window N     recent block hashes kept: the deepest reorg undone   [256]
  --poll-ms N          milliseconds between polls once caught up            [50]
  --initial-range N    blocks in the first eth_getLogs; then it adapts      [500]
  --max-range N        the widest eth_getLogs range it grows to             [100000]
  --events-per-commit N  events gathered before a backfill commit           [10000]
  --reset              delete the embedded database first (PGlite only)
`;

const wholeNumber = (flag: string, value: string) => {
  if (!/^\d+$/.test(value)) throw new Error(`--${flag} must be a whole number, not "${value}".`);
  return Number(value);
};

try {
  const options = parseOptions(process.argv.slice(2), {
    confirmations: { type: "string", default: "0" },
    "reorg-window": { type: "string", default: "256" },
    "poll-ms": { type: "string", default: "50" },
    "initial-range": { type: "string", default: "500" },
    "max-range": { type: "string", default: "100000" },
    "events-per-commit": { type: "string", default: "10000" },
    reset: { type: "boolean", default: false },
  });
  if (options.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const indexerOptions = {
    confirmations: wholeNumber("confirmations", options.confirmations),
    reorgWindow: wholeNumber("reorg-window", options["reorg-window"]),
    pollingIntervalMs: wholeNumber("poll-ms", options["poll-ms"]),
    initialRange: wholeNumber("initial-range", options["initial-range"]),
    maxRange: wholeNumber("max-range", options["max-range"]),
    eventsPerCommit: wholeNumber("events-per-commit", options["events-per-commit"]),
  };
  const logger = createLogger({
    format: options["log-format"] === "json" ? "json" : "pretty",
    level: options["log-level"] as LogLevel,
  });
  const deployment = await readDeploymentRecord(options.deployment);
  if (options.reset) {
    if (options.database) throw new Error("--reset only deletes an embedded database; drop a PostgreSQL one yourself.");
    // Holding the folder's lock while deleting it: never delete under a running indexer.
    const dirLock = await acquireDataDirLock(options["data-dir"]);
    await removeDataDir(options["data-dir"]);
    await dirLock.release();
  }
  const store = await createStore({
    ...(options.database ? { databaseUrl: options.database } : { dataDir: options["data-dir"] }),
  });
  try {
    const lock = await acquireWriterLock(store, { owner: `indexer pid ${process.pid}` });
    try {
      await migrate(store, migrations);
      const indexer = createIndexer({
        rpc: createRpcClient({ url: options.rpc }),
        store,
        deployment,
        abi: ledgerAbi,
        logger,
        options: indexerOptions,
      });
      const stop = new AbortController();
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.once(signal, () => {
          logger.info("stopping after the batch in flight", { signal });
          stop.abort();
        });
      }
      logger.info("indexing", { rpc: options.rpc, database: store.location, chainId: deployment.chainId });
      await indexer.run(stop.signal);
    } finally {
      await lock.release();
    }
  } finally {
    // Also after a refused lock or a failed migration: an open pool would keep the process alive for seconds.
    await store.close();
  }
} catch (error) {
  process.stderr.write(`error: ${describeError(error, "npm run index -- --help")}\n`);
  process.exitCode = 1;
}
