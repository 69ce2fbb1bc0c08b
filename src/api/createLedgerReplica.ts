import type { Abi, Hex } from "viem";

import { createLedger, type Ledger } from "../core/ledger.js";
import { LEDGER_EVENT_NAMES, type LedgerEvent } from "../core/ledgerEvent.js";
import type { Store } from "../store/types.js";
import type { CommitFeed } from "./commitFeed.js";
import { storedEvents, type EventPosition } from "../store/storedEvents.js";

/**
 * The split engine rebuilt from the store's events, for answers the tables do not hold (what a payment would do,
 * to the wei). Each call to {current} first applies the events committed since the last call; if the indexer rolled
 * back events this replica had applied (a reorg), it starts over. Every API replica keeps its own.
 *
 * With a commit `feed`, a call looks at the store only after a commit was announced (or while the announcements
 * cannot be heard), so a simulation between two commits costs no statement: the same lag as the response cache's,
 * never older than the last announcement heard. {close} stops following the feed.
 */
export type LedgerReplica = { current(): Promise<Ledger>; close(): void };

export function createLedgerReplica(store: Store, abi: Abi, feed?: CommitFeed): LedgerReplica {
  let ledger = createLedger();
  let last: (EventPosition & { blockHash: Hex }) | undefined;
  let updating: Promise<Ledger> | null = null;
  let stale = true;
  const unfollow = feed?.follow({ onCommit: () => (stale = true), onLost: () => (stale = true) });

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
      if (updating) return updating;
      if (feed?.listening() && !stale) return Promise.resolve(ledger);
      // Marked before reading: a commit announced during the update makes the next call read again.
      stale = false;
      // Concurrent requests share one update rather than applying the same events twice.
      updating = update()
        .catch((error: unknown) => {
          stale = true;
          throw error;
        })
        .finally(() => (updating = null));
      return updating;
    },
    close: () => unfollow?.(),
  };
}
