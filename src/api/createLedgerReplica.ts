import type { Abi, Hex } from "viem";

import { createLedger, type Ledger } from "../core/ledger.js";
import { LEDGER_EVENT_NAMES, type LedgerEvent } from "../core/ledgerEvent.js";
import type { Store } from "../store/types.js";
import { storedEvents, type EventPosition } from "../store/storedEvents.js";

/**
 * The split engine rebuilt from the store's events, for answers the tables do not hold (what a payment would do,
 * to the wei). Each call to {current} first applies the events committed since the last call; if the indexer rolled
 * back events this replica had applied (a reorg), it starts over. Every API replica keeps its own.
 */
export type LedgerReplica = { current(): Promise<Ledger> };

export function createLedgerReplica(store: Store, abi: Abi): LedgerReplica {
  let ledger = createLedger();
  let last: (EventPosition & { blockHash: Hex }) | undefined;
  let updating: Promise<Ledger> | null = null;

  async function update(): Promise<Ledger> {
    // A rollback deletes every event after the common ancestor, so it removed (or replaced, from another block) the
    // last event applied here if it touched anything applied: one primary-key lookup tells.
    if (last) {
      const [row] = await store.query<{ block_hash: Hex }>(
        "SELECT block_hash FROM ledger_events WHERE block_number = $1 AND log_index = $2",
        [last.blockNumber.toString(), last.logIndex],
      );
      if (row?.block_hash !== last.blockHash) {
        ledger = createLedger();
        last = undefined;
      }
    }
    const events = await storedEvents(store, abi, last);
    for (const { event } of events) if (LEDGER_EVENT_NAMES.has(event.type)) ledger.apply(event as LedgerEvent);
    const newest = events[events.length - 1];
    if (newest) last = { blockNumber: newest.blockNumber, logIndex: newest.logIndex, blockHash: newest.blockHash };
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
