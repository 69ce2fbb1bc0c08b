import { GraphQLError } from "graphql";
import type { Abi, Address, Hex } from "viem";

import type { Store } from "../store/types.js";
import {
  STORED_LOG_COLUMNS,
  decodeStoredRows,
  type StoredIndexedEvent,
  type StoredLogRow,
} from "../store/storedEvents.js";
import { sleep } from "../internal/sleep.js";

/** How often a subscription looks for what the indexer committed since. */
export const SUBSCRIPTION_POLL_MS = 100;

/**
 * Ends a subscription whose store could not be read (closed under the API, or the database is unreachable): the
 * client gets this as the stream's last event. A GraphQL error of our own, so it is neither masked nor logged, and
 * it says nothing of the store's internals.
 */
const storeUnavailable = () =>
  new GraphQLError("The subscription ended: the indexed data could not be read. Subscribe again later.", {
    extensions: { code: "STORE_UNAVAILABLE" },
  });

/**
 * Wraps a polling generator so that it ends at once when the client goes away (`return()`) or the API is disposed
 * (`disposed` aborts): a generator suspended in an `await` would only see `return()` at its next `yield`, which for
 * a quiet model may never come. The loop gets one signal for both, checks it between polls and sleeps on it.
 */
function stoppable<T>(disposed: AbortSignal, make: (signal: AbortSignal) => AsyncGenerator<T>): AsyncGenerator<T> {
  const returned = new AbortController();
  const inner = make(AbortSignal.any([disposed, returned.signal]));
  const outer: AsyncGenerator<T> = {
    next: () => inner.next(),
    return: (value) => {
      returned.abort();
      return Promise.resolve({ done: true, value: value as T });
    },
    throw: (error) => inner.throw(error),
    [Symbol.asyncIterator]: () => outer,
  } as AsyncGenerator<T>;
  return outer;
}

/**
 * One poll's rows, or `undefined` when the subscription ended while they were read (the store may be closing under
 * a disposed API: nothing to report). Any other failure ends the subscription with {storeUnavailable}.
 */
async function poll<Row>(
  store: Store,
  signal: AbortSignal,
  text: string,
  params: unknown[],
): Promise<Row[] | undefined> {
  try {
    const rows = await store.query<Row>(text, params);
    return signal.aborted ? undefined : rows;
  } catch {
    if (signal.aborted) return undefined;
    throw storeUnavailable();
  }
}

/** The newest stored event's position: subscriptions report only what comes after they start. */
async function newestPosition(store: Store): Promise<[string, number]> {
  const [row] = await store.query<{ block_number: string; log_index: number }>(
    "SELECT block_number, log_index FROM ledger_events ORDER BY block_number DESC, log_index DESC LIMIT 1",
  );
  return row ? [row.block_number, row.log_index] : ["-1", 0];
}

export type FollowParameters = {
  store: Store;
  /** Aborts when the API is disposed: the subscription then ends cleanly. */
  disposed: AbortSignal;
};

/**
 * Stored events of the given types (and, with `topic`, whose indexed parameter `topic.index` equals `topic.value`)
 * committed after the subscription started, in chain order, as they arrive. The starting point is taken now, not
 * when the first value is pulled (a generator's body runs lazily). Ends when the client goes away or the API is
 * disposed, and with a `STORE_UNAVAILABLE` error when the store cannot be read.
 */
export async function followEvents(
  { store, disposed }: FollowParameters,
  abi: Abi,
  types: readonly string[],
  topic?: { index: 1 | 2 | 3; value: Hex },
): Promise<AsyncGenerator<StoredIndexedEvent>> {
  const start = await newestPosition(store);
  return stoppable(disposed, (signal) => eventsAfter(store, abi, types, start, signal, topic));
}

async function* eventsAfter(
  store: Store,
  abi: Abi,
  types: readonly string[],
  start: [string, number],
  signal: AbortSignal,
  topic?: { index: 1 | 2 | 3; value: Hex },
): AsyncGenerator<StoredIndexedEvent> {
  let [block, logIndex] = start;
  while (!signal.aborted) {
    const params: unknown[] = [[...types], block, logIndex];
    if (topic) params.push(topic.index + 1, topic.value.toLowerCase());
    const rows = await poll<StoredLogRow>(
      store,
      signal,
      `SELECT ${STORED_LOG_COLUMNS} FROM ledger_events
       WHERE event_type = ANY($1) AND (block_number, log_index) > ($2, $3)
       ${topic ? "AND split_part(topics, ',', $4::int) = $5" : ""}
       ORDER BY block_number, log_index LIMIT 100`,
      params,
    );
    if (rows === undefined) return;
    for (const event of decodeStoredRows(abi, rows)) yield event;
    const last = rows[rows.length - 1];
    if (last) [block, logIndex] = [last.block_number, last.log_index];
    else await sleep(SUBSCRIPTION_POLL_MS, signal);
  }
}

/**
 * An account's balances each time they change (first when the subscription starts). Ends as {followEvents} does.
 */
export function followBalances({ store, disposed }: FollowParameters, account: Address): AsyncGenerator<unknown[]> {
  return stoppable(disposed, (signal) => balancesOf(store, account, signal));
}

async function* balancesOf(store: Store, account: Address, signal: AbortSignal): AsyncGenerator<unknown[]> {
  let previous = "";
  while (!signal.aborted) {
    const rows = await poll<{ token: string; claimable: string; owed_after_propagation: string }>(
      store,
      signal,
      "SELECT token, claimable, owed_after_propagation FROM account_balances WHERE account = $1 ORDER BY token",
      [account],
    );
    if (rows === undefined) return;
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
      await sleep(SUBSCRIPTION_POLL_MS, signal);
    }
  }
}
