/**
 * The replica bench/apiSubscriptions.ts measures, as its own process: the indexer and the API in one process over one
 * store, as `stemma dev` runs them (startIndexer, then startApi over the indexer's open store), the response cache
 * off so that every query is computed. `node --import tsx bench/apiSubscriptionsReplica.ts CONFIG.json`, where the
 * file holds a {@link ReplicaConfig}. Prints one JSON line `{ "url": ... }` to stdout once it serves, and stops on
 * SIGTERM (API first, then the indexer and its store).
 */
import { readFileSync } from "node:fs";

import type { DeploymentRecord } from "../src/chain/deploymentRecord.js";
import { startApi } from "../src/api/startApi.js";
import { createLogger } from "../src/internal/logger.js";
import type { CreateStoreParameters } from "../src/store/createStore.js";
import { startIndexer } from "../src/indexer/startIndexer.js";

export type ReplicaConfig = {
  store: CreateStoreParameters;
  rpcUrl: string;
  deployment: DeploymentRecord;
  /** Passed to startApi; its default when absent. */
  maxSubscriptions?: number;
  maxSubscriptionsPerClient?: number;
};

const config = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as ReplicaConfig;
const logger = createLogger({ level: "warn" });
const indexer = await startIndexer({
  store: config.store,
  rpcUrl: config.rpcUrl,
  deployment: config.deployment,
  logger,
});
const api = await startApi({
  store: indexer.store,
  port: 0,
  cacheBytes: 0,
  maxSubscriptions: config.maxSubscriptions,
  maxSubscriptionsPerClient: config.maxSubscriptionsPerClient,
  logger,
  drainMs: 0,
});
process.stdout.write(`${JSON.stringify({ url: api.url })}\n`);

process.once("SIGTERM", () => {
  void (async () => {
    await api.stop();
    await indexer.stop();
    process.exit(0);
  })();
});
indexer.closed.catch((error: unknown) => {
  process.stderr.write(`the indexer failed: ${String(error)}\n`);
  process.exit(1);
});
