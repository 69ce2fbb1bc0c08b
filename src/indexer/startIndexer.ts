import type { DeploymentRecord } from "../chain/deploymentRecord.js";
import { createRpcClient } from "../chain/rpc/createRpcClient.js";
import { ledgerAbi } from "../contracts/abis.js";
import type { Logger } from "../internal/logger.js";
import { describeRetry, withRetry, type RetryEvent, type StartupRetry } from "../internal/retry.js";
import { acquireWriterLock } from "../store/acquireWriterLock.js";
import { createStore, type CreateStoreParameters } from "../store/createStore.js";
import { migrate } from "../store/migrate.js";
import { migrations } from "../store/migrations.js";
import type { Store } from "../store/types.js";
import { createIndexer, type Indexer, type IndexerOptions } from "./sync/createIndexer.js";

export type StartIndexerParameters = {
  /** Where the mirror is kept: PostgreSQL or a PGlite folder. Opened here, closed when the indexer stops. */
  store: CreateStoreParameters;
  /** The node's JSON-RPC endpoint. */
  rpcUrl: string;
  /** The contracts to follow (deployments/<network>.json). */
  deployment: DeploymentRecord;
  logger: Logger;
  options?: IndexerOptions | undefined;
  /**
   * Who holds the writer lock, as a refused second indexer reports it.
   * @default `indexer pid ${process.pid}`
   */
  lockOwner?: string | undefined;
  /** Start-up retries of the store and the node; {@link withRetry}'s defaults (8 tries over about 30 s). */
  retry?: StartupRetry | undefined;
};

export type StartIndexerReturnType = {
  /** The open store the indexer writes (`stemma dev` serves the API over it too). */
  store: Store;
  indexer: Indexer;
  /**
   * Settles once the indexer stopped and let go of the store (lock released, store closed): after {stop}, or with
   * the indexer's error when it failed.
   */
  closed: Promise<void>;
  /** Stops after the batch in flight commits; resolves once {closed} settled (its error stays on {closed}). */
  stop(): Promise<void>;
};

/**
 * Starts the indexer, as `stemma index`, `npm run index` and `stemma dev` run it: opens the store, takes its writer
 * lock, migrates it, checks that the node answers, then backfills and follows the chain in the background until
 * {StartIndexerReturnType.stop}. A store or node that is not reachable yet (an error that says `retryable`) is tried
 * again with backoff, one warning per retry; any other failure is thrown at once.
 *
 * @example
 * const service = await startIndexer({ store: { dataDir: ".stemma/pglite" }, rpcUrl, deployment, logger });
 * process.once("SIGINT", () => void service.stop());
 * await service.closed;
 */
export async function startIndexer(parameters: StartIndexerParameters): Promise<StartIndexerReturnType> {
  const { rpcUrl, deployment, logger, options, lockOwner = `indexer pid ${process.pid}`, retry } = parameters;
  const retrying = (what: string) => ({
    ...retry,
    onRetry: (event: RetryEvent) => logger.warn(describeRetry(what, event)),
  });

  const store = await withRetry(() => createStore(parameters.store), retrying("store"));
  let lock: Awaited<ReturnType<typeof acquireWriterLock>> | undefined;
  const rpc = createRpcClient({ url: rpcUrl });
  try {
    lock = await acquireWriterLock(store, { owner: lockOwner });
    await migrate(store, migrations);
    await withRetry(() => rpc.chainId(), retrying("JSON-RPC node"));
  } catch (error) {
    // Also after a refused lock or a failed migration: an open pool would keep the process alive for seconds.
    await closeStore(store, lock);
    throw error;
  }

  const indexer = createIndexer({ rpc, store, deployment, abi: ledgerAbi, logger, options: options ?? {} });
  const stopping = new AbortController();
  const held = lock;
  const closed = (async () => {
    try {
      await indexer.run(stopping.signal);
    } finally {
      await closeStore(store, held);
    }
  })();
  // Awaited by whoever started it; an unobserved failure must not also crash the process.
  closed.catch(() => undefined);
  return {
    store,
    indexer,
    closed,
    async stop() {
      stopping.abort();
      await closed.catch(() => undefined);
    },
  };
}

async function closeStore(store: Store, lock: { release(): Promise<void> } | undefined): Promise<void> {
  try {
    await lock?.release();
  } finally {
    await store.close();
  }
}
