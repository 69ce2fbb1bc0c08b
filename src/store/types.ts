/** A connection or transaction that runs SQL. Parameters are `$1, $2, ...`; amounts travel as decimal strings. */
export type Sql = {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs one or more statements without parameters (migrations). */
  exec(text: string): Promise<void>;
};

/**
 * The indexer's database: PGlite embedded (a data folder) by default, PostgreSQL when a URL is given. The same SQL
 * runs on both. {transaction} commits everything `fn` wrote or nothing.
 */
export type Store = Sql & {
  kind: "pglite" | "postgres";
  /** A human-readable location (the data folder, or the URL without its password). */
  location: string;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs `fn`'s reads against one state of the database, whatever commits meanwhile: on PostgreSQL a read-only
   * REPEATABLE READ transaction. On PGlite, the store itself (one session, so no other process writes).
   */
  snapshot<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for every NOTIFY on `channel` once committed (PostgreSQL: on a connection of its own). If that
   * connection breaks, `onLost` is called once and the listener is gone: whoever relied on it must stop trusting
   * what it knew, and may listen again. Resolves once listening.
   */
  listen(channel: string, onNotify: () => void, onLost: (error: Error) => void): Promise<Listener>;
  close(): Promise<void>;
};

/** A {Store.listen} subscription. */
export type Listener = { close(): Promise<void> };

/** Proof that this process is the only indexer writing to a database; {release} gives it up. */
export type WriterLock = { release(): Promise<void> };
