import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";

import { PGlite, TransactionAbortedError } from "@electric-sql/pglite";
import pg from "pg";

import { BaseError } from "../internal/errors.js";

import { acquireDataDirLock, storeLockAccess } from "./acquireWriterLock.js";
import type { StoreLockAccess, WriterLockedError } from "./acquireWriterLock.js";
import type { Listener, Sql, Store, WriterLock } from "./types.js";

export type CreateStoreParameters = {
  /**
   * A PostgreSQL URL (`postgres://user:password@host:5432/database`). Without it the store is PGlite on `dataDir`.
   * @default undefined
   */
  databaseUrl?: string | undefined;
  /**
   * The PGlite data folder, created with its parents if missing (ignored with `databaseUrl`). `memory://` keeps the
   * database in memory, without a lock file.
   * @default ".stemma/pglite"
   */
  dataDir?: string | undefined;
  /**
   * PostgreSQL connections in the pool (ignored by PGlite). An API server wants more than the indexer: each request
   * holds one for its snapshot.
   * @default 4
   */
  poolSize?: number | undefined;
};

export type CreateStoreReturnType = Store;

export type CreateStoreErrorType = InvalidDatabaseUrlError | StoreConnectionError | StoreOpenError | WriterLockedError;

// PostgreSQL type OIDs whose text form the store hands over unparsed, so both stores return the same shapes.
const INT8 = 20;
const NUMERIC = 1700;
const INT8_ARRAY = 1016;
const NUMERIC_ARRAY = 1231;
const TEXT_ARRAY = 1009;

/** The pool's default size: the indexer writes in one transaction at a time, and reads a little beside it. */
const POOL_SIZE = 4;

/**
 * Opens the indexer's database: PostgreSQL when `databaseUrl` is given (a `pg.Pool`, {POOL_SIZE} connections by default),
 * otherwise PGlite (Postgres compiled to WASM, in this process) on `dataDir`.
 *
 * Values come back the same from both:
 * - `numeric` (amounts) and `int8`/`bigint` (block numbers, chain ids, `count(*)`) as decimal strings, and arrays of
 *   them as arrays of strings. pg already returns strings for both, but parses `numeric[]` to floats, losing digits;
 *   PGlite returns `int8` as a number, or a bigint above 2^53. Turn them into bigints with `BigInt(value)`.
 * - `int2`/`int4` as numbers, `boolean` as booleans, `jsonb` parsed, `timestamptz` as `Date`.
 *
 * Parameters may be strings, numbers, bigints, booleans, `Date`s, arrays or (for `jsonb`) plain objects; `null` is NULL.
 *
 * PGlite runs one session: a `transaction` holds the whole database until it ends, and calls on the store itself wait
 * for it. Inside `fn`, use `tx` only (calling the store there would wait for `fn` forever on PGlite, and see none of
 * the transaction's writes on PostgreSQL). Opening PGlite takes the data folder's lock file first
 * ({acquireDataDirLock}), so a second process is refused instead of corrupting the folder; `close()` releases it.
 *
 * @param parameters - {@link CreateStoreParameters}
 * @returns The store. {@link CreateStoreReturnType}
 * @throws {StoreConnectionError} PostgreSQL could not be reached (retryable).
 * @throws {WriterLockedError} Another process has the PGlite data folder open.
 *
 * @example
 * import { createStore } from "./createStore.js";
 *
 * const store = await createStore({ dataDir: ".stemma/pglite" });
 * const [row] = await store.query<{ total: string }>("select sum(received) as total from model_token_totals");
 * await store.close();
 */
export async function createStore(parameters: CreateStoreParameters = {}): Promise<CreateStoreReturnType> {
  const { databaseUrl, dataDir = ".stemma/pglite", poolSize = POOL_SIZE } = parameters;
  return databaseUrl === undefined ? createPgliteStore(dataDir) : createPostgresStore(databaseUrl, poolSize);
}

async function createPostgresStore(databaseUrl: string, poolSize: number): Promise<Store> {
  const location = maskDatabaseUrl(databaseUrl);
  const types = new pg.TypeOverrides();
  const asText = (value: string): string => value;
  types.setTypeParser(INT8, asText);
  types.setTypeParser(NUMERIC, asText);
  // pg's own text[] parser (the types' .d.ts mistypes what getTypeParser returns).
  const asTextArray = types.getTypeParser(TEXT_ARRAY, "text") as unknown as (value: string) => (string | null)[];
  types.setTypeParser(INT8_ARRAY, asTextArray);
  types.setTypeParser(NUMERIC_ARRAY, asTextArray);
  const config = {
    connectionString: databaseUrl,
    types,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  } satisfies pg.ClientConfig;

  const pool = new pg.Pool({ ...config, max: poolSize, application_name: "stemma" });
  // An idle connection that breaks (server restart) is dropped by the pool; without a listener it would crash us.
  pool.on("error", () => {});
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw new StoreConnectionError({ location, cause: error });
  }

  const guard = createGuard(location);
  const access: StoreLockAccess = {
    async connect(applicationName) {
      const client = new pg.Client({ ...config, application_name: applicationName });
      try {
        await client.connect();
      } catch (error) {
        throw new StoreConnectionError({ location, cause: error });
      }
      return client;
    },
    writer: undefined,
    held: new Set(),
    poison: guard.poison,
  };

  const statementName = preparedStatementNames();
  /** Runs SQL on the pool or a client; `prepared`: as a named statement, parsed and planned once per connection. */
  const pgSql = (client: pg.Pool | pg.PoolClient, prepared: boolean): Sql => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      // Always the extended protocol, as PGlite's query: one statement, even without parameters.
      const config: pg.QueryConfig & { queryMode: "extended" } = {
        text,
        values: [...params],
        queryMode: "extended",
        name: prepared ? statementName(text) : undefined,
      };
      return (await client.query(config)).rows as Row[];
    },
    async exec(text: string) {
      await client.query(text);
    },
  });
  const poolSql = pgSql(pool, true);
  const listeners = new Set<Listener>();

  const store: Store & { [storeLockAccess]: StoreLockAccess } = {
    kind: "postgres",
    location,
    [storeLockAccess]: access,
    async query<Row>(text: string, params?: readonly unknown[]) {
      guard.check();
      return poolSql.query<Row>(text, params);
    },
    async exec(text: string) {
      guard.check();
      return poolSql.exec(text);
    },
    // A writer's statements (rows of varying counts) are not worth preparing; reads are.
    transaction: <T>(fn: (tx: Sql) => Promise<T>) => inTransaction("BEGIN", fn, false),
    snapshot: <T>(fn: (sql: Sql) => Promise<T>) =>
      inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn, true),
    async listen(channel: string, onNotify: () => void, onLost: (error: Error) => void): Promise<Listener> {
      guard.check();
      const client = new pg.Client({ ...config, application_name: "stemma listener" });
      let closing = false;
      const lost = (error: Error) => {
        if (closing) return;
        closing = true;
        listeners.delete(listener);
        client.end().catch(() => {});
        onLost(error);
      };
      client.on("notification", (message) => message.channel === channel && onNotify());
      client.on("error", lost);
      client.on("end", () =>
        lost(new StoreConnectionError({ location, cause: new Error("the listener's connection ended") })),
      );
      try {
        await client.connect();
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (error) {
        closing = true;
        await client.end().catch(() => {});
        throw new StoreConnectionError({ location, cause: error });
      }
      const listener: Listener = {
        async close() {
          if (closing) return;
          closing = true;
          listeners.delete(listener);
          await client.end().catch(() => {});
        },
      };
      listeners.add(listener);
      return listener;
    },
    async close() {
      if (guard.closed) return;
      guard.close();
      await Promise.all([...access.held].map((lock) => lock.release().catch(() => {})));
      await Promise.all([...listeners].map((listener) => listener.close()));
      await pool.end();
    },
  };

  async function inTransaction<T>(begin: string, fn: (tx: Sql) => Promise<T>, prepared: boolean): Promise<T> {
    guard.check();
    const client = await pool.connect();
    // A client whose ROLLBACK failed is in an unknown state: the pool must destroy it, not reuse it.
    let broken: Error | undefined;
    const tx = endable(pgSql(client, prepared));
    try {
      await client.query(begin);
      const result = await fn(tx.sql);
      tx.end();
      const commit = await client.query("COMMIT");
      // COMMIT of a transaction that an earlier (caught) error aborted succeeds as "ROLLBACK".
      if (commit.command === "ROLLBACK") throw new TransactionRolledBackError({ location });
      return result;
    } catch (error) {
      tx.end();
      if (!(error instanceof TransactionRolledBackError))
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      throw error;
    } finally {
      client.release(broken);
    }
  }
  return store;
}

/** The most statements one PostgreSQL store prepares; later ones run unnamed (each connection keeps what it prepared). */
const MAX_PREPARED_STATEMENTS = 500;

/**
 * Names for prepared statements: the same text gets the same name on every connection of the pool (pg prepares it on
 * a connection's first use). Texts are bounded in number (filters build SQL of many shapes), so that no connection
 * accumulates statements without end: past {MAX_PREPARED_STATEMENTS}, a new text gets no name.
 */
function preparedStatementNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
      name = `stemma_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
}

async function createPgliteStore(dataDir: string): Promise<Store> {
  const inMemory = dataDir.startsWith("memory://");
  const location = inMemory ? dataDir : resolve(dataDir);
  const guard = createGuard(location);

  let dirLock: WriterLock | undefined;
  let db: PGlite;
  if (!inMemory) {
    await mkdir(location, { recursive: true });
    dirLock = await acquireDataDirLock(location, { owner: "stemma store", onLost: guard.poison });
  }
  try {
    const asText = (value: string): string => value;
    // PGlite parses arrays with their element's parser, so int8[] and numeric[] follow.
    db = await PGlite.create(location, { parsers: { [INT8]: asText, [NUMERIC]: asText } });
  } catch (error) {
    await dirLock?.release();
    throw new StoreOpenError({ location, cause: error });
  }

  const access: StoreLockAccess = { connect: undefined, writer: undefined, held: new Set(), poison: guard.poison };

  const store: Store & { [storeLockAccess]: StoreLockAccess } = {
    kind: "pglite",
    location,
    [storeLockAccess]: access,
    async query<Row>(text: string, params: readonly unknown[] = []) {
      guard.check();
      return (await db.query<Row>(text, [...params])).rows;
    },
    async exec(text: string) {
      guard.check();
      await db.exec(text);
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      guard.check();
      try {
        return await db.transaction(async (transaction) => {
          const tx = endable({
            async query<Row>(text: string, params: readonly unknown[] = []) {
              return (await transaction.query<Row>(text, [...params])).rows;
            },
            async exec(text: string) {
              await transaction.exec(text);
            },
          });
          try {
            return await fn(tx.sql);
          } finally {
            tx.end();
          }
        });
      } catch (error) {
        if (error instanceof TransactionAbortedError) throw new TransactionRolledBackError({ location, cause: error });
        throw error;
      }
    },
    // One session: a writer in this process commits whole transactions, but may commit between two of fn's reads.
    snapshot: <T>(fn: (sql: Sql) => Promise<T>) => fn(store),
    // In process: the connection cannot break, so onLost is never called.
    async listen(channel: string, onNotify: () => void): Promise<Listener> {
      guard.check();
      const unlisten = await db.listen(channel, onNotify);
      return { close: () => (guard.closed ? Promise.resolve() : unlisten()) };
    },
    async close() {
      if (guard.closed) return;
      guard.close();
      await Promise.all([...access.held].map((lock) => lock.release().catch(() => {})));
      try {
        await db.close();
      } finally {
        await dirLock?.release();
      }
    },
  };
  return store;
}

/** Refuses calls on a closed store, or on one whose writer lock was lost. */
function createGuard(location: string) {
  let poisoned: Error | undefined;
  const guard = {
    closed: false,
    check(): void {
      if (poisoned !== undefined) throw poisoned;
      if (guard.closed) throw new Error(`The store at ${location} is closed.`);
    },
    close(): void {
      guard.closed = true;
    },
    poison(error: Error): void {
      poisoned ??= error;
    },
  };
  return guard;
}

/** Wraps a transaction's Sql so that a reference kept past the transaction's end fails instead of running outside it. */
function endable(sql: Sql): { sql: Sql; end(): void } {
  let ended = false;
  const check = (): void => {
    if (ended)
      throw new Error(
        "This transaction has ended; a statement run through it now would run outside it. Keep using `tx` only inside " +
          "the function passed to `transaction`.",
      );
  };
  return {
    sql: {
      async query<Row>(text: string, params?: readonly unknown[]) {
        check();
        return sql.query<Row>(text, params);
      },
      async exec(text: string) {
        check();
        return sql.exec(text);
      },
    },
    end() {
      ended = true;
    },
  };
}

/** `postgres://user:password@host/db?password=x` → `postgres://user:***@host/db?password=***`. */
function maskDatabaseUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new InvalidDatabaseUrlError({ reason: "it is not a URL" });
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:")
    throw new InvalidDatabaseUrlError({ reason: `its scheme is ${url.protocol}` });
  if (url.password !== "") url.password = "***";
  for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, "***");
  return url.toString();
}

export type InvalidDatabaseUrlErrorType = InvalidDatabaseUrlError & { name: "InvalidDatabaseUrlError" };

/** `databaseUrl` is not a `postgres://` URL. Not retryable. The URL is not repeated: it may hold a password. */
export class InvalidDatabaseUrlError extends BaseError {
  override name = "InvalidDatabaseUrlError";

  constructor({ reason }: { reason: string }) {
    super(`The database URL is not a PostgreSQL URL: ${reason}.`, {
      details: "Give postgres://user:password@host:5432/database, or no URL to use PGlite on the data folder.",
    });
  }
}

export type StoreConnectionErrorType = StoreConnectionError & { name: "StoreConnectionError" };

/** PostgreSQL could not be reached or refused the connection. Retryable: the server may be starting. */
export class StoreConnectionError extends BaseError {
  override name = "StoreConnectionError";

  constructor({ location, cause }: { location: string; cause: unknown }) {
    super(`Could not connect to PostgreSQL at ${location}: ${messageOf(cause)}`, {
      details:
        "Check that the server is running and reachable at that host and port, that the database exists, and that " +
        "the user and password in the URL may connect to it.",
      cause,
      retryable: true,
    });
  }
}

export type StoreOpenErrorType = StoreOpenError & { name: "StoreOpenError" };

/** PGlite could not open its data folder. Not retryable: the folder needs attention. */
export class StoreOpenError extends BaseError {
  override name = "StoreOpenError";

  constructor({ location, cause }: { location: string; cause: unknown }) {
    super(`Could not open the PGlite database in ${location}: ${messageOf(cause)}`, {
      details:
        "Check that the folder is writable and holds a database written by this version of @electric-sql/pglite " +
        "(or is empty). A folder that another process had open at the same time may be damaged: move it away and " +
        "index again from the chain.",
      cause,
    });
  }
}

export type TransactionRolledBackErrorType = TransactionRolledBackError & { name: "TransactionRolledBackError" };

/** COMMIT found the transaction aborted by an earlier failed statement whose error `fn` caught. Nothing was written. */
export class TransactionRolledBackError extends BaseError {
  override name = "TransactionRolledBackError";

  constructor({ location, cause }: { location: string; cause?: unknown }) {
    super(`The transaction on ${location} was rolled back at COMMIT: a statement in it had failed.`, {
      details:
        "A statement inside the transaction failed and its error was caught, which leaves the transaction aborted. " +
        "Let the error propagate (the transaction then rolls back and rethrows it).",
      cause,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
