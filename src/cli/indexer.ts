/**
 * `stemma index` and `npm run index -- [flags]`: follows the Stemma contracts and keeps the database a mirror of the
 * ledger. Ctrl-C (or SIGTERM) stops after the batch in flight commits.
 */
import { readDeploymentRecord } from "../chain/deploymentRecord.js";
import { startIndexer } from "../indexer/startIndexer.js";
import { describeError } from "../internal/describeError.js";
import { createLogger, type LogLevel } from "../internal/logger.js";
import { acquireDataDirLock } from "../store/acquireWriterLock.js";
import { SHARED_HELP, parseOptions, removeDataDir } from "./indexerFlags.js";

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

/** Runs the indexer until SIGINT or SIGTERM; resolves with the exit code (errors are printed here, with the help hint). */
export async function index(argv: string[]): Promise<number> {
  try {
    const options = parseOptions(argv, {
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
      return 0;
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
      if (options.database)
        throw new Error("--reset only deletes an embedded database; drop a PostgreSQL one yourself.");
      // Holding the folder's lock while deleting it: never delete under a running indexer.
      const dirLock = await acquireDataDirLock(options["data-dir"]);
      await removeDataDir(options["data-dir"]);
      await dirLock.release();
    }
    const service = await startIndexer({
      store: options.database ? { databaseUrl: options.database } : { dataDir: options["data-dir"] },
      rpcUrl: options.rpc,
      deployment,
      logger,
      options: indexerOptions,
    });
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info("stopping after the batch in flight", { signal });
      void service.stop();
    };
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, onSignal);
    logger.info("indexing", { rpc: options.rpc, database: service.store.location, chainId: deployment.chainId });
    try {
      await service.closed;
    } finally {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.off(signal, onSignal);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${describeError(error, "npm run index -- --help")}\n`);
    return 1;
  }
}
