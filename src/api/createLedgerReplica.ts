import type { Abi } from "viem";

import { createLedger, type Ledger } from "../core/ledger.js";
import type { Store } from "../indexer/store/types.js";
import { storedEvents, type EventPosition } from "../indexer/sync/storedEvents.js";

/**
 * The split engine rebuilt from the store's events, for answers the tables do not hold (what a payment would do,
 * to the wei). Each call to {current} first applies the events committed since the last call; if the indexer rolled
 * back events this replica had applied (a reorg), it starts over. Every API replica keeps its own.
 */
export type LedgerReplica = { current(): Promise<Ledger> };

export function createLedgerReplica(store: Store, abi: Abi): LedgerReplica {
  let ledger = createLedger();
  let applied = 0;
  let last: EventPosition | undefined;
  let updating: Promise<Ledger> | null = null;

  async function update(): Promise<Ledger> {
    // Events at or before the last applied one must still all be there; otherwise a rollback happened.
    if (last) {
      const [row] = await store.query<{ count: string }>(
        "SELECT count(*) AS count FROM ledger_events WHERE (block_number, log_index) <= ($1, $2)",
        [last.blockNumber.toString(), last.logIndex],
      );
      if (Number(row!.count) !== applied) {
        ledger = createLedger();
        applied = 0;
        last = undefined;
      }
    }
    const events = await storedEvents(store, abi, last);
    for (const { event } of events) ledger.apply(event);
    applied += events.length;
    const newest = events[events.length - 1];
    if (newest) last = { blockNumber: newest.blockNumber, logIndex: newest.logIndex };
    return ledger;
  }

  return {
    current() {
      // Concurrent requests share one update rather than applying the same events twice.
      updating ??= update().finally(() => (updating = null));
      return updating;
    },
  };
}
