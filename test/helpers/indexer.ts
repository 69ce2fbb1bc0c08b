import assert from "node:assert/strict";

import { createRpcClient } from "../../src/chain/rpc/createRpcClient.js";
import { revenueRouterAbi } from "../../src/contracts/abis.js";
import { reconcile } from "../../src/indexer/reconcile.js";
import type { Store } from "../../src/store/types.js";
import { dumpStore, freshStore, indexAll, startScenario, type Scenario, type StoreKind } from "../indexer/scenario.js";

/**
 * Mocha hooks for a suite that shares one chain: before its tests, starts a scenario of `models` models, hands it to
 * `use` and runs `actions` random actions on it; after them, stops it.
 */
export function useScenario(
  { seed, models, actions }: { seed: number; models?: number; actions: number },
  use: (scenario: Scenario) => void,
): void {
  let scenario: Scenario | undefined;
  before(async function () {
    scenario = await startScenario(seed, models);
    use(scenario);
    await scenario.act(actions);
  });
  after(async function () {
    await scenario?.stop();
  });
}

/** Reconciles `store` with the chain: every figure the router exposes must equal the mirror's. */
export async function expectReconciled(scenario: Scenario, store: Store) {
  const report = await reconcile({
    rpc: createRpcClient({ url: scenario.node.url }),
    sql: store,
    deployment: scenario.record,
    routerAbi: revenueRouterAbi,
  });
  assert.deepEqual(report.differences, [], `the mirror differs from the chain at block ${report.block}`);
  return report;
}

/** `store` holds exactly what one fresh pass of the indexer over the scenario's chain writes into a new `kind` store. */
export async function expectEqualToFreshIndex(scenario: Scenario, store: Store, kind: StoreKind): Promise<void> {
  const fresh = await freshStore(kind);
  try {
    await indexAll(scenario, fresh.store);
    assert.deepEqual(await dumpStore(store), await dumpStore(fresh.store));
  } finally {
    await fresh.dispose();
  }
}
