import { GraphQLError } from "graphql";
import type { Abi, Address, Hex } from "viem";

import {
  decodeStoredRows,
  STORED_LOG_COLUMNS,
  type StoredIndexedEvent,
  type StoredLogRow,
} from "../store/storedEvents.js";
import type { Sql, Store } from "../store/types.js";
import { createCommitFeed, type CommitFeed } from "./commitFeed.js";
import { MODEL_COLUMNS, type ModelRow } from "./modelQueries.js";
import { createSubscriptionStream, type SubscriptionStream } from "./subscriptionStream.js";

/**
 * Subscriptions one replica serves at once, by default. Each holds about 50 KB of memory; 5,000 idle ones cost up to 4
 * points of a core (bench/apiSubscriptions.ts).
 */
export const DEFAULT_MAX_SUBSCRIPTIONS = 10_000;
/** Subscriptions one client (one remote address) may hold at once, by default. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT = 100;
/**
 * How often the hub reads the store without an announcement while it has subscribers: a store that went away ends
 * them with STORE_UNAVAILABLE within this time. One small read, for all subscriptions together.
 */
export const SUBSCRIPTION_CHECK_MS = 5_000;
/** How often the hub reads the store while the commit announcements cannot be heard (the feed listens again). */
export const SUBSCRIPTION_FALLBACK_POLL_MS = 1_000;
/** Events that may wait for a client that does not read; past this its subscription ends (SUBSCRIPTION_BEHIND). */
export const MAX_QUEUED_EVENTS = 10_000;
/** How many of the heads it read the hub remembers, to find where a reorg forked (see {windowStart}). */
const REMEMBERED_HEADS = 64;

/** Registrations the subscription reports: `ModelRegistered` and `PlaceholderRegistered`. */
const REGISTRATION_EVENTS = ["ModelRegistered", "PlaceholderRegistered"];

/** A new registration and its model as stored by the same commit. */
export type Registration = { event: StoredIndexedEvent; model: ModelRow | null };
/** An account's balance in one token, as `claimableChanged` reports it. */
export type Balance = { token: string; claimable: string; owedAfterPropagation: string };

export type SubscriptionLimits = {
  /** @default DEFAULT_MAX_SUBSCRIPTIONS */
  maxSubscriptions?: number | undefined;
  /** @default DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT */
  maxSubscriptionsPerClient?: number | undefined;
};

export type CreateSubscriptionHubParameters = SubscriptionLimits & {
  store: Store;
  /** The registry's and router's ABIs together (to decode stored events). */
  abi: Abi;
  /** The commits to follow; without it the hub listens itself from its first subscription on, until {close}. */
  feed?: CommitFeed | undefined;
};

export type SubscriptionHub = {
  /** Each payment into `model` from now on, in chain order. Rejects with SUBSCRIPTION_LIMIT when full. */
  payments(model: Hex, client: string): Promise<AsyncGenerator<StoredIndexedEvent>>;
  /** Each registration from now on, with its model. */
  registrations(client: string): Promise<AsyncGenerator<Registration>>;
  /** `account`'s balances now, then each time they change. */
  balances(account: Address, client: string): Promise<AsyncGenerator<Balance[]>>;
  /** Open subscriptions, and the distinct things they follow (each read once per commit). */
  stats(): { subscriptions: number; clients: number; models: number; accounts: number; registrations: number };
  /** Ends every subscription (clients see their streams complete) and stops following commits. */
  close(): Promise<void>;
};

/**
 * The client a subscription counts against: its remote address (`in-process` for requests that did not come over a
 * socket). Behind a reverse proxy every client has the proxy's address: raise the per-client limit there.
 */
export const clientOf = (request?: { socket?: { remoteAddress?: string | undefined } }): string =>
  request?.socket?.remoteAddress ?? "in-process";

/**
 * Ends a subscription whose store could not be read (closed under the API, or the database is unreachable): the
 * client gets this as the stream's last event. A GraphQL error of our own, so it is neither masked nor logged, and
 * it says nothing of the store's internals.
 */
const storeUnavailable = () =>
  new GraphQLError("The subscription ended: the indexed data could not be read. Subscribe again later.", {
    extensions: { code: "STORE_UNAVAILABLE" },
  });

const behind = () =>
  new GraphQLError(
    `The subscription ended: over ${MAX_QUEUED_EVENTS} events waited for this client to read them. Subscribe again.`,
    { extensions: { code: "SUBSCRIPTION_BEHIND" } },
  );

/** A refusal when full: which limit, and how the operator raises it. HTTP 429 (yoga strips `http` from the answer). */
const limitReached = (what: string, limit: number, option: string, flag: string) =>
  new GraphQLError(
    `Too many subscriptions: ${what} already holds ${limit}, its limit. Close one and subscribe again; the operator ` +
      `can raise the limit (startApi's \`${option}\`, \`stemma serve ${flag} N\`).`,
    { extensions: { code: "SUBSCRIPTION_LIMIT", max: limit, http: { status: 429 } } },
  );

/** Where the hub has read up to: a checkpoint (block -1 and no hash before the first commit). */
type Head = { number: bigint; hash: string | null };
/** The checkpoint, the hash now kept for the head's block (null: none) and the oldest block kept (null: none). */
type Checkpoint = Head & { headHash: string | null; oldestKept: bigint | null };
type Account = { streams: Set<SubscriptionStream<Balance[]>>; balances: Balance[] | undefined; json: string };

/** What one read of the store found: the new checkpoint, the events after the head, changed balances. */
type Scan = {
  checkpoint: Head;
  payments: StoredIndexedEvent[];
  registrations: Registration[];
  balances: Map<string, Balance[]>;
};

/**
 * Serves every subscription of a replica from the indexer's commits: after each announced commit it reads the store
 * once for all subscriptions together (the checkpoint, the payments into the models followed and the registrations
 * since the last commit it read, the followed accounts' balances; a few statements whatever the number of
 * subscribers) and hands each subscriber its share. Subscriptions start from the newest commit the hub has read, and
 * each commit's events reach them once, in chain order. A rollback (a reorg) moves the hub back to the block where
 * the chains forked: events of the abandoned blocks already reported stay reported, and the new chain's events are
 * reported as they are indexed. While the announcements cannot be heard the hub reads every
 * {SUBSCRIPTION_FALLBACK_POLL_MS}, and otherwise checks every {SUBSCRIPTION_CHECK_MS}. A store that cannot be read ends
 * every subscription with STORE_UNAVAILABLE. At most `maxSubscriptions` subscriptions, `maxSubscriptionsPerClient` per
 * client; past that, SUBSCRIPTION_LIMIT.
 *
 * @param parameters - {@link CreateSubscriptionHubParameters}
 * @returns The hub; it reads nothing until its first subscription. {@link SubscriptionHub}
 *
 * @example
 * const hub = createSubscriptionHub({ store, abi: ledgerAbi, feed, maxSubscriptionsPerClient: 20 });
 * for await (const payment of await hub.payments(modelId, "127.0.0.1")) console.log(payment.event);
 */
export function createSubscriptionHub(parameters: CreateSubscriptionHubParameters): SubscriptionHub {
  const {
    store,
    abi,
    maxSubscriptions = DEFAULT_MAX_SUBSCRIPTIONS,
    maxSubscriptionsPerClient = DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT,
  } = parameters;
  const payments = new Map<string, Set<SubscriptionStream<StoredIndexedEvent>>>();
  const registrations = new Set<SubscriptionStream<Registration>>();
  const accounts = new Map<string, Account>();
  const perClient = new Map<string, number>();
  let open = 0;
  let closed = false;

  /** The newest checkpoint read; undefined while there are no subscribers (the next one reads it first). */
  let head: Head | undefined;
  /** Recent heads, oldest first, to find the fork point after a reorg. */
  const heads = new Map<bigint, string | null>();

  let feed: CommitFeed | undefined = parameters.feed;
  let following: Promise<void> | undefined;
  let unfollow = () => {};
  let timer: NodeJS.Timeout | undefined;

  // Reads run one at a time; a request during a read runs another after it. `nextRead` settles once a read that
  // started after the request is done.
  let reading: Promise<void> | undefined;
  let again = false;
  let nextRead = withResolvers();

  /** Starts following commits (and the feed, when the hub owns it) on the first subscription. */
  function follow(): Promise<void> {
    following ??= (async () => {
      feed ??= await createCommitFeed({ store });
      if (closed) return;
      unfollow = feed.follow({ onCommit: requestRead, onLost: schedule });
    })().catch((error: unknown) => {
      following = undefined; // the next subscription tries again
      throw error;
    });
    return following;
  }

  /** Asks for a read of the store; resolves once a read that started after this call is done. */
  function requestRead(): Promise<void> {
    again = true;
    const requested = nextRead.promise;
    reading ??= (async () => {
      while (again && !closed) {
        again = false;
        const done = nextRead;
        nextRead = withResolvers();
        try {
          await readAndDeliver();
          done.resolve();
        } catch (error) {
          done.reject(error);
        }
      }
      reading = undefined;
    })();
    return requested;
  }

  /** The periodic read: often while the announcements cannot be heard, rarely otherwise, none without subscribers. */
  function schedule() {
    clearTimeout(timer);
    if (closed || open === 0) return;
    const ms = feed?.listening() === false ? SUBSCRIPTION_FALLBACK_POLL_MS : SUBSCRIPTION_CHECK_MS;
    timer = setTimeout(() => void requestRead().catch(() => {}), ms);
    timer.unref();
  }

  async function readAndDeliver(): Promise<void> {
    if (open === 0) {
      head = undefined;
      heads.clear();
      return;
    }
    let scan: Scan;
    try {
      scan = await store.snapshot((sql) => read(sql));
    } catch {
      if (!closed) endAll(storeUnavailable());
      throw storeUnavailable();
    }
    if (closed) return;
    deliver(scan);
    schedule();
  }

  /** One consistent read (one snapshot on PostgreSQL) for every subscription. */
  async function read(sql: Sql): Promise<Scan> {
    const checkpoint = await readCheckpoint(sql, head);
    const from = head === undefined ? undefined : await windowStart(sql, head, checkpoint);
    // `from` is undefined when nothing was committed since the head (an announcement with no new block, a check).
    const changed = from !== undefined;
    const scan: Scan = {
      checkpoint: { number: checkpoint.number, hash: checkpoint.hash },
      payments: [],
      registrations: [],
      balances: new Map(),
    };
    if (from !== undefined && (payments.size > 0 || registrations.size > 0)) {
      const events = decodeStoredRows(
        abi,
        await sql.query<StoredLogRow>(
          `SELECT ${STORED_LOG_COLUMNS} FROM ledger_events
           WHERE block_number > $1 AND block_number <= $2
             AND (event_type = ANY($3) OR (event_type = 'Paid' AND split_part(topics, ',', 2) = ANY($4)))
           ORDER BY block_number, log_index`,
          [
            from.toString(),
            checkpoint.number.toString(),
            registrations.size > 0 ? REGISTRATION_EVENTS : [],
            [...payments.keys()],
          ],
        ),
      );
      scan.payments = events.filter((e) => e.event.type === "Paid");
      const registered = events.filter((e) => e.event.type !== "Paid");
      if (registered.length > 0) {
        const ids = registered.map((e) => (e.event as { id: string }).id);
        const rows = await sql.query<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM models WHERE id = ANY($1)`, [ids]);
        const byId = new Map(rows.map((row) => [row.id, row]));
        scan.registrations = registered.map((e, i) => ({ event: e, model: byId.get(ids[i]!) ?? null }));
      }
    }
    // Balances change only with a commit; an account followed since the last read has none yet.
    const wanted = [...accounts].filter(([, account]) => changed || account.balances === undefined).map(([a]) => a);
    if (wanted.length > 0) {
      for (const account of wanted) scan.balances.set(account, []);
      const rows = await sql.query<{ account: string; token: string; claimable: string; owed: string }>(
        `SELECT account, token, claimable, owed_after_propagation AS owed FROM account_balances
         WHERE account = ANY($1) ORDER BY account, token`,
        [wanted],
      );
      for (const r of rows)
        scan.balances.get(r.account)?.push({ token: r.token, claimable: r.claimable, owedAfterPropagation: r.owed });
    }
    return scan;
  }

  /**
   * Where this read's events start (exclusive): the head, unless nothing was committed since (undefined), or the
   * chain was rolled back under it. A rollback commit moves the checkpoint below the head, to the last block both
   * chains share. When the hub only reads after the new chain was indexed past the head, the head's block (every
   * checkpoint's block is kept in `indexed_blocks` until it falls out of the reorg window) has another hash or is gone
   * though newer than the oldest kept; then the newest remembered head still kept with its hash is where the chains
   * forked.
   */
  async function windowStart(sql: Sql, from: Head, checkpoint: Checkpoint): Promise<bigint | undefined> {
    if (checkpoint.number < from.number) return checkpoint.number;
    const { headHash, oldestKept } = checkpoint;
    const replaced = headHash !== null && headHash !== from.hash;
    const dropped = headHash === null && from.hash !== null && oldestKept !== null && from.number >= oldestKept;
    if (replaced || dropped) {
      const numbers = [...heads.keys()].filter((n) => n < from.number);
      const kept = await sql.query<{ number: string; hash: string }>(
        "SELECT number, hash FROM indexed_blocks WHERE number = ANY($1)",
        [numbers.map(String)],
      );
      const forks = kept.filter((b) => heads.get(BigInt(b.number)) === b.hash).map((b) => BigInt(b.number));
      // Without one (a reorg deeper than the heads remembered), the new chain's blocks up to now are not reported.
      return forks.length > 0 ? forks.reduce((a, b) => (a > b ? a : b)) : checkpoint.number;
    }
    return checkpoint.number === from.number ? undefined : from.number;
  }

  function deliver(scan: Scan) {
    for (const event of scan.payments) {
      for (const stream of payments.get(event.raw.topics[1]!.toLowerCase()) ?? []) stream.push(event);
    }
    for (const registration of scan.registrations) for (const stream of registrations) stream.push(registration);
    for (const [address, balances] of scan.balances) {
      const account = accounts.get(address);
      if (!account) continue;
      const json = JSON.stringify(balances);
      if (account.balances !== undefined && json === account.json) continue;
      account.balances = balances;
      account.json = json;
      for (const stream of account.streams) stream.push(balances);
    }
    // A store emptied under the hub (an indexer reset): start again from its next commit, not its whole history.
    if (scan.checkpoint.hash === null && head?.hash) {
      head = undefined;
      heads.clear();
      return;
    }
    head = scan.checkpoint;
    heads.delete(head.number);
    heads.set(head.number, head.hash);
    if (heads.size > REMEMBERED_HEADS) heads.delete(heads.keys().next().value!);
  }

  function endAll(error?: Error) {
    const streams: Pick<SubscriptionStream<unknown>, "end" | "fail">[] = [...registrations];
    for (const set of payments.values()) streams.push(...set);
    for (const account of accounts.values()) streams.push(...account.streams);
    for (const stream of streams) {
      if (error) stream.fail(error);
      else stream.end();
    }
  }

  /**
   * Admits a subscription of `client` (or throws SUBSCRIPTION_LIMIT), creates its stream, and counts it until the
   * stream ends; `leave` takes it out of the hub's maps.
   */
  function admit<T>(client: string, leave: (stream: SubscriptionStream<T>) => void): SubscriptionStream<T> {
    if (closed) throw new GraphQLError("The API is shutting down.", { extensions: { code: "SHUTTING_DOWN" } });
    if ((perClient.get(client) ?? 0) >= maxSubscriptionsPerClient)
      throw limitReached(
        "your address",
        maxSubscriptionsPerClient,
        "maxSubscriptionsPerClient",
        "--max-subscriptions-per-client",
      );
    if (open >= maxSubscriptions)
      throw limitReached("this server", maxSubscriptions, "maxSubscriptions", "--max-subscriptions");
    open++;
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
    const stream: SubscriptionStream<T> = createSubscriptionStream<T>({
      maxQueued: MAX_QUEUED_EVENTS,
      overflow: behind,
      onClose: () => {
        open--;
        const left = perClient.get(client)! - 1;
        if (left === 0) perClient.delete(client);
        else perClient.set(client, left);
        leave(stream);
        if (open === 0) {
          // Nothing to follow: the next subscriber starts from the store as it is then.
          clearTimeout(timer);
          head = undefined;
          heads.clear();
        }
      },
    });
    return stream;
  }

  /** Waits until the stream has a starting point: the hub follows commits and knows its head (and balances). */
  async function started<T>(stream: SubscriptionStream<T>, ready: () => boolean): Promise<AsyncGenerator<T>> {
    try {
      await follow();
      if (!ready()) await requestRead();
    } catch (error) {
      stream.return(undefined).catch(() => {});
      throw error instanceof GraphQLError ? error : storeUnavailable();
    }
    return stream;
  }

  return {
    payments(model, client) {
      const key = model.toLowerCase();
      const stream = admit<StoredIndexedEvent>(client, (s) => {
        const set = payments.get(key);
        set?.delete(s);
        if (set?.size === 0) payments.delete(key);
      });
      payments.set(key, (payments.get(key) ?? new Set()).add(stream));
      return started(stream, () => head !== undefined);
    },
    registrations(client) {
      const stream = admit<Registration>(client, (s) => registrations.delete(s));
      registrations.add(stream);
      return started(stream, () => head !== undefined);
    },
    balances(address, client) {
      const stream = admit<Balance[]>(client, (s) => {
        const account = accounts.get(address);
        account?.streams.delete(s);
        if (account?.streams.size === 0) accounts.delete(address);
      });
      let account = accounts.get(address);
      if (!account) accounts.set(address, (account = { streams: new Set(), balances: undefined, json: "" }));
      account.streams.add(stream);
      // An account already followed has its balances as of the last read: the new subscriber starts with them.
      if (account.balances !== undefined) stream.push(account.balances);
      return started(stream, () => head !== undefined && account.balances !== undefined);
    },
    stats: () => ({
      subscriptions: open,
      clients: perClient.size,
      models: payments.size,
      accounts: accounts.size,
      registrations: registrations.size,
    }),
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      unfollow();
      endAll();
      nextRead.resolve(); // a subscription still starting gets its (ended) stream
      await reading?.catch(() => {});
      if (!parameters.feed && following) {
        await following.catch(() => {});
        await feed?.close();
      }
    },
  };
}

/** The {@link Checkpoint}, with what `indexed_blocks` keeps now of the head's block. */
async function readCheckpoint(sql: Sql, head: Head | undefined): Promise<Checkpoint> {
  const [row] = await sql.query<{
    block_number: string;
    block_hash: string;
    head_hash: string | null;
    oldest: string | null;
  }>(
    `SELECT block_number, block_hash, (SELECT hash FROM indexed_blocks WHERE number = $1) AS head_hash,
       (SELECT min(number) FROM indexed_blocks) AS oldest
     FROM indexer_checkpoint WHERE id = 1`,
    [(head?.number ?? -1n).toString()],
  );
  return row
    ? {
        number: BigInt(row.block_number),
        hash: row.block_hash,
        headHash: row.head_hash,
        oldestKept: row.oldest === null ? null : BigInt(row.oldest),
      }
    : { number: -1n, hash: null, headHash: null, oldestKept: null };
}

/** `Promise.withResolvers`, whose promise never counts as unhandled (nobody may be waiting for it). */
function withResolvers() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {});
  return { promise, resolve, reject };
}
