import type { AddressInfo } from "node:net";

import { ledgerAbi } from "../contracts/abis.js";
import type { Logger } from "../internal/logger.js";
import { describeRetry, withRetry, type StartupRetry } from "../internal/retry.js";
import { createStore, type CreateStoreParameters } from "../store/createStore.js";
import type { Store } from "../store/types.js";
import { createCommitFeed, type CommitFeed } from "./commitFeed.js";
import { createApiServer, REQUEST_TIMEOUT_MS } from "./createApiServer.js";
import { createResponseCache, DEFAULT_CACHE_BYTES } from "./responseCache.js";
import {
  createSubscriptionHub,
  DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT,
  SUBSCRIPTION_FALLBACK_POLL_MS,
} from "./subscriptionHub.js";

/** PostgreSQL connections of an API's pool: each request holds one for its snapshot, so this many run their SQL at once. */
export const API_POOL_SIZE = 10;

export type StartApiParameters = {
  /**
   * Where the indexer's store is: opened here (PostgreSQL with {API_POOL_SIZE} connections unless `poolSize` says
   * otherwise) and closed on stop. Or a store that is already open, which stop leaves open: `stemma dev` serves the
   * PGlite store its indexer writes, since one process owns an embedded database.
   */
  store: CreateStoreParameters | Store;
  /**
   * The port; 0: any free one (see the returned `port`).
   * @default 4000
   */
  port?: number | undefined;
  /** @default "127.0.0.1" */
  host?: string | undefined;
  /**
   * Memory for repeated answers, kept until the indexer commits; 0: no cache.
   * @default DEFAULT_CACHE_BYTES (64 MiB)
   */
  cacheBytes?: number | undefined;
  /**
   * Subscriptions this replica serves at once; past it new ones are refused (SUBSCRIPTION_LIMIT).
   * @default DEFAULT_MAX_SUBSCRIPTIONS (10,000)
   */
  maxSubscriptions?: number | undefined;
  /**
   * Subscriptions one remote address may hold at once (behind a reverse proxy, all clients share its address).
   * @default DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT (100)
   */
  maxSubscriptionsPerClient?: number | undefined;
  /** Warnings: start-up retries, and the indexer's commits going unheard while the store cannot be heard. */
  logger: Logger;
  /**
   * How long requests in flight at stop may take to finish before their connections are cut (a subscription's
   * never finishes).
   * @default REQUEST_TIMEOUT_MS
   */
  drainMs?: number | undefined;
  /** Start-up retries of the store; {@link withRetry}'s defaults (8 tries over about 30 s). */
  retry?: StartupRetry | undefined;
};

export type StartApiReturnType = {
  /** `http://host:port`, with the port bound (`port: 0` picks one). */
  url: string;
  port: number;
  store: Store;
  /** Resolves once the API stopped: server closed, cache closed, the store closed if it was opened here. */
  closed: Promise<void>;
  /**
   * Ends the subscriptions (their clients see the stream complete), stops listening, lets requests in flight finish
   * (up to `drainMs`), then closes; resolves with {closed}.
   */
  stop(): Promise<void>;
};

/**
 * Starts the GraphQL API, as `stemma serve`, `npm run serve` and `stemma dev` run it: opens the store (a store that
 * is not reachable yet is tried again with backoff, one warning per retry), listens to the indexer's commits (for the
 * response cache and the subscriptions), and listens.
 * Rejects with the listen error (`EADDRINUSE`, ...) after closing what it opened.
 *
 * @example
 * const api = await startApi({ store: { databaseUrl }, port: 0, logger });
 * console.log(`${api.url}/graphql`);
 * process.once("SIGINT", () => void api.stop());
 */
export async function startApi(parameters: StartApiParameters): Promise<StartApiReturnType> {
  const {
    port = 4000,
    host = "127.0.0.1",
    cacheBytes = DEFAULT_CACHE_BYTES,
    maxSubscriptions = DEFAULT_MAX_SUBSCRIPTIONS,
    maxSubscriptionsPerClient = DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT,
    logger,
    drainMs = REQUEST_TIMEOUT_MS,
    retry,
  } = parameters;
  const owned = !isStore(parameters.store);
  const store = isStore(parameters.store)
    ? parameters.store
    : await withRetry(() => createStore({ poolSize: API_POOL_SIZE, ...(parameters.store as CreateStoreParameters) }), {
        ...retry,
        onRetry: (event) => logger.warn(describeRetry("store", event)),
      });
  const closeStore = () => (owned ? store.close() : Promise.resolve());

  let feed: CommitFeed;
  try {
    feed = await createCommitFeed({
      store,
      onLost: (error) =>
        logger.warn(
          `the indexer's commits cannot be heard until the store is back (response cache off, subscriptions read ` +
            `every ${SUBSCRIPTION_FALLBACK_POLL_MS} ms): ${error.message}`,
        ),
    });
  } catch (error) {
    await closeStore();
    throw error;
  }
  const cache = cacheBytes > 0 ? createResponseCache({ feed, maxBytes: cacheBytes }) : undefined;
  const subscriptions = createSubscriptionHub({
    store,
    abi: ledgerAbi,
    feed,
    maxSubscriptions,
    maxSubscriptionsPerClient,
  });
  const server = createApiServer({ store, abi: ledgerAbi, cache, subscriptions, feed });
  const closeAll = async () => {
    await subscriptions.close();
    cache?.close();
    await feed.close();
    await closeStore();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await closeAll();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  let stopped!: () => void;
  const closed = new Promise<void>((resolve) => (stopped = resolve));
  return {
    // The bound port, not the parameter: with port 0 the system picks one, and whoever started us needs to know which.
    port: (server.address() as AddressInfo).port,
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    store,
    closed,
    stop() {
      stopping ??= (async () => {
        // Ended streams let their connections go idle, so closing the server need not wait `drainMs` for them.
        await subscriptions.close();
        const cut = setTimeout(() => server.closeAllConnections(), drainMs);
        await new Promise((resolve) => server.close(resolve));
        clearTimeout(cut);
        await closeAll().finally(stopped);
      })();
      return stopping;
    },
  };
}

const isStore = (store: CreateStoreParameters | Store): store is Store => typeof (store as Store).query === "function";
