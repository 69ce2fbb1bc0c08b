import type { Abi, Address, Hex } from "viem";

import type { Store } from "../store/types.js";
import { STORED_LOG_COLUMNS, decodeStoredRows, type IndexedEvent, type StoredLogRow } from "../store/storedEvents.js";
import { sleep } from "../internal/sleep.js";

/** How often a subscription looks for what the indexer committed since. */
export const SUBSCRIPTION_POLL_MS = 100;

/**
 * Wraps a polling generator so that `return()` (the client went away) takes effect at once: a generator suspended in
 * an `await` would only see it at its next `yield`, which for a quiet model may never come. The loop checks
 * `stopped()` between polls and ends there.
 */
function stoppable<T>(make: (stopped: () => boolean) => AsyncGenerator<T>): AsyncGenerator<T> {
  let stopped = false;
  const inner = make(() => stopped);
  const outer: AsyncGenerator<T> = {
    next: () => inner.next(),
    return: (value) => {
      stopped = true;
      return Promise.resolve({ done: true, value: value as T });
    },
    throw: (error) => inner.throw(error),
    [Symbol.asyncIterator]: () => outer,
  } as AsyncGenerator<T>;
  return outer;
}

/** The newest stored event's position: subscriptions report only what comes after they start. */
async function newestPosition(store: Store): Promise<[string, number]> {
  const [row] = await store.query<{ block_number: string; log_index: number }>(
    "SELECT block_number, log_index FROM ledger_events ORDER BY block_number DESC, log_index DESC LIMIT 1",
  );
  return row ? [row.block_number, row.log_index] : ["-1", 0];
}

/**
 * Stored events of the given types (and, with `topic`, whose indexed parameter `topic.index` equals `topic.value`)
 * committed after the subscription started, in chain order, as they arrive. The starting point is taken now, not
 * when the first value is pulled (a generator's body runs lazily). Ends when the client goes away.
 */
export async function followEvents(
  store: Store,
  abi: Abi,
  types: readonly string[],
  topic?: { index: 1 | 2 | 3; value: Hex },
): Promise<AsyncGenerator<IndexedEvent>> {
  const start = await newestPosition(store);
  return stoppable((stopped) => eventsAfter(store, abi, types, start, stopped, topic));
}

async function* eventsAfter(
  store: Store,
  abi: Abi,
  types: readonly string[],
  start: [string, number],
  stopped: () => boolean,
  topic?: { index: 1 | 2 | 3; value: Hex },
): AsyncGenerator<IndexedEvent> {
  let [block, logIndex] = start;
  while (!stopped()) {
    const params: unknown[] = [[...types], block, logIndex];
    if (topic) params.push(topic.index + 1, topic.value.toLowerCase());
    const rows = await store.query<StoredLogRow>(
      `SELECT ${STORED_LOG_COLUMNS} FROM ledger_events
       WHERE event_type = ANY($1) AND (block_number, log_index) > ($2, $3)
       ${topic ? "AND split_part(topics, ',', $4::int) = $5" : ""}
       ORDER BY block_number, log_index LIMIT 100`,
      params,
    );
    for (const event of decodeStoredRows(abi, rows)) yield event;
    const last = rows[rows.length - 1];
    if (last) [block, logIndex] = [last.block_number, last.log_index];
    else await sleep(SUBSCRIPTION_POLL_MS);
  }
}

/** An account's balances each time they change (first when the subscription starts). */
export function followBalances(store: Store, account: Address): AsyncGenerator<unknown[]> {
  return stoppable((stopped) => balancesOf(store, account, stopped));
}

async function* balancesOf(store: Store, account: Address, stopped: () => boolean): AsyncGenerator<unknown[]> {
  let previous = "";
  while (!stopped()) {
    const rows = await store.query<{ token: string; claimable: string; owed_after_propagation: string }>(
      "SELECT token, claimable, owed_after_propagation FROM account_balances WHERE account = $1 ORDER BY token",
      [account],
    );
    const balances = rows.map((r) => ({
      token: r.token,
      claimable: r.claimable,
      owedAfterPropagation: r.owed_after_propagation,
    }));
    const now = JSON.stringify(balances);
    if (now !== previous) {
      previous = now;
      yield balances;
    } else {
      await sleep(SUBSCRIPTION_POLL_MS);
    }
  }
}
