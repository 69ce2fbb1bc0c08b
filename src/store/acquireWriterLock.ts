import { randomUUID } from "node:crypto";
import { link, mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";

import type { Client } from "pg";

import { BaseError } from "../internal/errors.js";

import type { Store, WriterLock } from "./types.js";

/**
 * The PostgreSQL advisory-lock key of the indexer's writer role: ASCII "STEMMA" (0x5354454d4d41) followed by 0x0001.
 * Advisory locks are per database, so indexers on other databases of the same server never collide.
 */
export const WRITER_LOCK_KEY = 0x5354454d4d410001n;

/**
 * How {acquireWriterLock} reaches what a store made by `createStore` keeps off the public {Store} surface: a connection
 * outside the pool (PostgreSQL), the in-process writer slot (PGlite), and a switch that makes the store refuse further
 * calls once a lock is lost. Not part of the API.
 *
 * @internal
 */
export const storeLockAccess: unique symbol = Symbol("stemma.store.lockAccess");

/** @internal */
export type StoreLockAccess = {
  /** Opens a connection of its own (PostgreSQL only), outside the pool, named `applicationName` on the server. */
  connect: ((applicationName: string) => Promise<Client>) | undefined;
  /** Who holds the writer lock of this (PGlite) store in this process, if anyone. */
  writer: string | undefined;
  /** Writer locks to release when the store closes. */
  held: Set<WriterLock>;
  /** Makes every later call on the store reject with `error`. */
  poison(error: Error): void;
};

export type AcquireWriterLockParameters = {
  /** What is writing, shown to a second indexer that is refused; the pid (unless named here) and host are added. */
  owner: string;
  /**
   * Called once when the lock is lost while held (the lock connection to PostgreSQL dropped). The store rejects every
   * later call with the same {WriterLockLostError} either way, so a writer that lost its lock cannot write on.
   */
  onLost?: ((error: WriterLockLostError) => void) | undefined;
};

export type AcquireWriterLockReturnType = WriterLock;

export type AcquireWriterLockErrorType = WriterLockedError | Error;

/**
 * Makes this process the only indexer writing to `store`, until {WriterLock.release} or `store.close()`.
 *
 * - PostgreSQL: a connection of its own (not from the pool) takes the session-level advisory lock {WRITER_LOCK_KEY}
 *   and keeps it for the process's life. The server drops the lock with the connection, so a killed process (its TCP
 *   connection closes) frees it at once; a vanished host frees it once TCP keepalive gives up on it.
 * - PGlite: `createStore` already holds the data folder's lock file (see {acquireDataDirLock}), so no other process
 *   can open the store; this takes the store's single writer slot within the process.
 *
 * @param store - A store made by `createStore`.
 * @param parameters - {@link AcquireWriterLockParameters}
 * @returns The lock. {@link AcquireWriterLockReturnType}
 * @throws {WriterLockedError} Another indexer holds the lock; the message names it (pid and host when known).
 *
 * @example
 * import { acquireWriterLock } from "./acquireWriterLock.js";
 * import { createStore } from "./createStore.js";
 *
 * const store = await createStore({ databaseUrl: "postgres://postgres@127.0.0.1:5432/stemma" });
 * const lock = await acquireWriterLock(store, { owner: "indexer" });
 * // ... index ...
 * await lock.release();
 * await store.close();
 */
export async function acquireWriterLock(
  store: Store,
  parameters: AcquireWriterLockParameters,
): Promise<AcquireWriterLockReturnType> {
  const access = (store as Store & { [storeLockAccess]?: StoreLockAccess })[storeLockAccess];
  if (access === undefined)
    throw new Error(`acquireWriterLock needs a store made by createStore; ${store.location} is not one.`);
  const pid = new RegExp(`\\bpid ${process.pid}\\b`).test(parameters.owner) ? "" : ` pid ${process.pid}`;
  const description = `${parameters.owner}${pid} on ${hostname()}`;

  if (access.connect === undefined) {
    if (access.writer !== undefined)
      throw new WriterLockedError({
        location: store.location,
        holder: `${access.writer}, in this process`,
        holderPid: process.pid,
        details: "Release the first writer lock before taking another; one store has one writer.",
      });
    access.writer = description;
    let released = false;
    const lock: WriterLock = {
      async release() {
        if (released) return;
        released = true;
        access.held.delete(lock);
        access.writer = undefined;
      },
    };
    access.held.add(lock);
    return lock;
  }

  // PostgreSQL caps application_name at 63 bytes; keep it ASCII so the cut cannot split a character.
  const applicationName = `stemma ${description}`.replace(/[^\x20-\x7e]/g, "?").slice(0, 63);
  const client = await access.connect(applicationName);
  let state: "acquiring" | "held" | "released" = "acquiring";
  const lock: WriterLock = {
    async release() {
      if (state !== "held") return;
      state = "released";
      access.held.delete(lock);
      // Unlock explicitly: ending the session frees the lock too, but only once the server has processed the
      // disconnect, and a caller that acquires again right after release must not race it.
      try {
        await client.query("select pg_advisory_unlock($1::bigint)", [WRITER_LOCK_KEY.toString()]);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
  client.on("error", (error) => {
    if (state !== "held") return; // while acquiring, the failing query rejects instead
    state = "released";
    access.held.delete(lock);
    void client.end().catch(() => {});
    const lost = new WriterLockLostError({
      location: store.location,
      reason: "the connection that held the advisory lock failed",
      cause: error,
    });
    access.poison(lost);
    parameters.onLost?.(lost);
  });

  try {
    const [row] = (
      await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1::bigint) as locked", [
        WRITER_LOCK_KEY.toString(),
      ])
    ).rows;
    if (row?.locked !== true) {
      const holder = await describeAdvisoryLockHolder(client).catch(() => undefined);
      throw new WriterLockedError({
        location: store.location,
        holder: holder?.text,
        holderPid: holder?.pid,
        details:
          "Stop it, or point this indexer at another database. A holder that died frees the lock as soon as PostgreSQL " +
          "notices its connection is gone (at once for a killed process; after TCP keepalive when its host vanished).",
      });
    }
  } catch (error) {
    state = "released";
    await client.end().catch(() => {});
    throw error;
  }
  state = "held";
  access.held.add(lock);
  return lock;
}

/** Who holds the writer advisory lock on this connection's database, from `pg_locks` and `pg_stat_activity`. */
async function describeAdvisoryLockHolder(client: Client): Promise<{ text: string; pid: number | undefined }> {
  // A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits) and objsubid 1.
  const { rows } = await client.query<{ backend_pid: number; application_name: string | null; since: Date | null }>(
    `select a.pid as backend_pid, a.application_name, a.backend_start as since
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid::bigint = $1 and l.objid::bigint = $2`,
    [(WRITER_LOCK_KEY >> 32n).toString(), (WRITER_LOCK_KEY & 0xffffffffn).toString()],
  );
  const [row] = rows;
  if (row === undefined) return { text: "holder unknown", pid: undefined };
  const name = row.application_name ?? "";
  const pid = /\bpid (\d+)\b/.exec(name)?.[1];
  const since = row.since === null ? "" : `, connected since ${row.since.toISOString()}`;
  return {
    text: `${name === "" ? "an unnamed session" : `"${name}"`}, server backend ${row.backend_pid}${since}`,
    pid: pid === undefined ? undefined : Number(pid),
  };
}

export type AcquireDataDirLockParameters = {
  /**
   * A lock written on another host whose heartbeat is older than this is stale. A holder on this host is judged by its
   * pid instead (see {acquireDataDirLock}).
   * @default 5_000
   */
  staleMs?: number | undefined;
  /**
   * How often the holder refreshes `heartbeatAt`.
   * @default 1_000
   */
  heartbeatMs?: number | undefined;
  /**
   * Shown to a process that is refused.
   * @default "stemma"
   */
  owner?: string | undefined;
  /** Called once when the lock file is taken away or replaced while held. */
  onLost?: ((error: WriterLockLostError) => void) | undefined;
};

export type AcquireDataDirLockReturnType = WriterLock & {
  /** The lock file, `<dataDir>.lock`. */
  path: string;
};

export type AcquireDataDirLockErrorType = WriterLockedError | Error;

/** The contents of a data folder's lock file. */
export type DataDirLockFile = {
  pid: number;
  hostname: string;
  owner: string;
  /** ISO 8601. */
  startedAt: string;
  /** ISO 8601, refreshed every `heartbeatMs`. */
  heartbeatAt: string;
  /** Linux: the holder's start time (`/proc/<pid>/stat` field 22), which tells a reused pid from the holder. */
  processStart: string | undefined;
  /** Random, per acquisition: how a holder recognises its own file. */
  token: string;
};

/**
 * Locks a PGlite data folder for this process. Take it BEFORE opening PGlite: two processes on one folder corrupt it
 * (PGlite's own `postmaster.pid` does not exclude other processes).
 *
 * The lock is the file `<dataDir>.lock` (beside the folder, so deleting the folder leaves it), created with
 * `open(path, "wx")`, which only one process can win. It holds {DataDirLockFile}; an unref'd timer refreshes
 * `heartbeatAt` every `heartbeatMs` and checks the file is still ours (else `onLost`).
 *
 * An existing lock is stale, and is taken over, when:
 * - it was written on this host and its pid is not running (`process.kill(pid, 0)` fails with ESRCH), or that pid now
 *   belongs to another process (Linux: a different start time); or
 * - it was written on another host (a shared folder) and its heartbeat is older than `staleMs`; or
 * - it is unreadable (a holder that died while writing it) and was last modified more than `staleMs` ago.
 *
 * A live holder on this host is never taken over, however old its heartbeat: PGlite runs on the JavaScript thread, so
 * a long query or checkpoint stops the heartbeat of a process that is still writing.
 *
 * Taking over moves the stale file aside with `rename` (only one process's rename finds it), checks that what moved is
 * what was judged stale (a rival may have taken over and written a fresh lock in between; that one is put back), and
 * then competes for `open(path, "wx")` again.
 *
 * @param dataDir - The PGlite data folder.
 * @param parameters - {@link AcquireDataDirLockParameters}
 * @returns The lock. {@link AcquireDataDirLockReturnType}
 * @throws {WriterLockedError} A live process holds the folder; the message names its pid and host.
 *
 * @example
 * import { acquireDataDirLock } from "./acquireWriterLock.js";
 *
 * const lock = await acquireDataDirLock(".stemma/pglite");
 * // ... open PGlite on .stemma/pglite, use it, close it ...
 * await lock.release();
 */
export async function acquireDataDirLock(
  dataDir: string,
  parameters: AcquireDataDirLockParameters = {},
): Promise<AcquireDataDirLockReturnType> {
  const { staleMs = 5_000, heartbeatMs = 1_000, owner = "stemma", onLost } = parameters;
  const path = `${resolve(dataDir)}.lock`;
  await mkdir(dirname(path), { recursive: true });
  const token = randomUUID();
  const startedAt = new Date().toISOString();
  const ownStart = await processStart(process.pid);
  const contents = (heartbeatAt: string): string =>
    JSON.stringify({
      pid: process.pid,
      hostname: hostname(),
      owner,
      startedAt,
      heartbeatAt,
      processStart: ownStart,
      token,
    } satisfies DataDirLockFile);

  // Each round either wins the file, throws for a live holder, or clears one stale file; a handful of rounds only
  // runs out when rivals keep taking over the same stale lock at once.
  for (let round = 0; round < 8; round++) {
    const handle = await open(path, "wx").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST") return undefined;
      throw error;
    });
    if (handle !== undefined) {
      await handle.writeFile(contents(startedAt));
      return startHeartbeat({ location: resolve(dataDir), path, handle, token, contents, heartbeatMs, onLost });
    }

    const existing = await readLockFile(path);
    if (existing === undefined) continue; // released between our open and our read
    const verdict = await judgeLockFile(existing, staleMs);
    if (!verdict.stale)
      throw new WriterLockedError({
        location: resolve(dataDir),
        holder: verdict.holder,
        holderPid: verdict.pid,
        details:
          `${verdict.pid === undefined ? "Stop that process" : `Stop that process (kill ${verdict.pid})`}, or give ` +
          `this one another data folder. A holder that died is taken over at once on this host, and after ` +
          `${staleMs} ms without a heartbeat from another host. The lock file is ${path}.`,
      });

    const aside = `${path}.${token}.stale`;
    const moved = await rename(path, aside).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return false; // a rival moved it first
        throw error;
      },
    );
    if (!moved) continue;
    const raw = await readFile(aside, "utf8").catch(() => undefined);
    if (raw !== existing.raw) {
      // Not the file we judged: a rival took over (or the holder refreshed it) in between. Put it back.
      await link(aside, path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
    }
    await unlink(aside).catch(() => {});
  }
  throw new WriterLockedError({
    location: resolve(dataDir),
    holder: undefined,
    holderPid: undefined,
    details: `Other processes keep taking over ${path} at the same time; start one indexer at a time.`,
  });
}

type ReadLockFile = { raw: string; file: DataDirLockFile | undefined; mtimeMs: number };

async function readLockFile(path: string): Promise<ReadLockFile | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    return { raw, file: parseLockFile(raw), mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseLockFile(raw: string): DataDirLockFile | undefined {
  try {
    const value = JSON.parse(raw) as Partial<DataDirLockFile> | null;
    if (
      typeof value !== "object" ||
      value === null ||
      typeof value.pid !== "number" ||
      typeof value.hostname !== "string" ||
      typeof value.heartbeatAt !== "string" ||
      typeof value.token !== "string"
    )
      return undefined;
    return {
      pid: value.pid,
      hostname: value.hostname,
      owner: typeof value.owner === "string" ? value.owner : "unknown",
      startedAt: typeof value.startedAt === "string" ? value.startedAt : "unknown",
      heartbeatAt: value.heartbeatAt,
      processStart: typeof value.processStart === "string" ? value.processStart : undefined,
      token: value.token,
    };
  } catch {
    return undefined;
  }
}

type Verdict = { stale: true } | { stale: false; holder: string; pid: number | undefined };

async function judgeLockFile({ file, mtimeMs }: ReadLockFile, staleMs: number): Promise<Verdict> {
  const now = Date.now();
  if (file === undefined) {
    // Unreadable: being written right now, or its writer died mid-write. Only its age can tell.
    if (now - mtimeMs > staleMs) return { stale: true };
    return { stale: false, holder: "a process that is writing the lock file right now", pid: undefined };
  }
  const heartbeatAge = now - Date.parse(file.heartbeatAt);
  const holder = `pid ${file.pid} on ${file.hostname}, ${file.owner}, since ${file.startedAt}`;
  const validPid = Number.isSafeInteger(file.pid) && file.pid > 0;
  if (file.hostname === hostname() && validPid) {
    if (!isAlive(file.pid)) return { stale: true };
    if (file.processStart !== undefined) {
      const current = await processStart(file.pid);
      if (current !== undefined && current !== file.processStart) return { stale: true };
    }
    const quiet = heartbeatAge > staleMs ? `; no heartbeat for ${Math.round(heartbeatAge / 1000)} s, yet running` : "";
    return { stale: false, holder: `${holder}${quiet}`, pid: file.pid };
  }
  // Another host: its pid means nothing here, so trust the heartbeat (or the file's age if the heartbeat is garbled).
  const age = Number.isNaN(heartbeatAge) ? now - mtimeMs : heartbeatAge;
  if (age > staleMs) return { stale: true };
  return { stale: false, holder, pid: validPid ? file.pid : undefined };
}

/** Whether `pid` is a running process on this host (EPERM: it is, but belongs to another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** The start time of `pid` in clock ticks after boot (Linux `/proc/<pid>/stat` field 22); undefined elsewhere. */
async function processStart(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command) is parenthesised and may hold spaces; fields 3.. follow the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function startHeartbeat(parameters: {
  location: string;
  path: string;
  handle: FileHandle;
  token: string;
  contents: (heartbeatAt: string) => string;
  heartbeatMs: number;
  onLost: ((error: WriterLockLostError) => void) | undefined;
}): AcquireDataDirLockReturnType {
  const { location, path, handle, token, contents, heartbeatMs, onLost } = parameters;
  let released = false;
  let missing = 0;
  let beating: Promise<void> = Promise.resolve();

  const lose = (reason: string): void => {
    if (released) return;
    released = true;
    clearInterval(timer);
    void handle.close().catch(() => {});
    onLost?.(new WriterLockLostError({ location, reason: `${reason} (${path})` }));
  };

  const beat = async (): Promise<void> => {
    const current = await readLockFile(path).catch(() => undefined);
    if (released) return;
    if (current?.file !== undefined && current.file.token !== token) return lose("another process replaced the file");
    if (current === undefined) {
      // Missing for one beat can be a rival briefly moving it aside (see acquireDataDirLock); two beats is not.
      if (++missing >= 2) lose("the file was deleted");
      return;
    }
    missing = 0;
    // Same length every time (ISO 8601 timestamps), written in place through our own handle: a reader sees the old
    // or the new heartbeat, and a file moved aside by a rival never comes back to life under `path`.
    const bytes = Buffer.from(contents(new Date().toISOString()));
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.truncate(bytes.length);
  };

  const timer = setInterval(() => {
    beating = beating.then(beat).catch(() => {});
  }, heartbeatMs);
  timer.unref();

  return {
    path,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await beating;
      const current = await readLockFile(path).catch(() => undefined);
      if (current?.file?.token === token) await unlink(path).catch(() => {});
      await handle.close().catch(() => {});
    },
  };
}

/** The docs' "One writer" guarantee: which lock each store takes, and when another process may take it over. */
const WRITER_LOCK_DOCS = "docs/INDEXER.md#guarantees";

export type WriterLockedErrorType = WriterLockedError & { name: "WriterLockedError" };

/**
 * Another indexer (or another process) holds the writer lock of this database or data folder. Not retryable:
 * starting again does not help while the other writer runs.
 */
export class WriterLockedError extends BaseError {
  override name = "WriterLockedError";
  /** The database location or data folder. */
  readonly location: string;
  /** The holder's process id, when known. */
  readonly holderPid: number | undefined;

  constructor(parameters: {
    location: string;
    holder: string | undefined;
    holderPid: number | undefined;
    details: string;
  }) {
    super(`Another indexer is writing to ${parameters.location} (${parameters.holder ?? "holder unknown"}).`, {
      details: parameters.details,
      docsPath: WRITER_LOCK_DOCS,
    });
    this.location = parameters.location;
    this.holderPid = parameters.holderPid;
  }
}

export type WriterLockLostErrorType = WriterLockLostError & { name: "WriterLockLostError" };

/** A writer lock this process held is gone, so it must stop writing. Not retryable: restart the process. */
export class WriterLockLostError extends BaseError {
  override name = "WriterLockLostError";

  constructor(parameters: { location: string; reason: string; cause?: unknown }) {
    super(`This process lost its writer lock on ${parameters.location}: ${parameters.reason}.`, {
      details:
        "The store refuses further calls so that two writers never interleave. Restart the indexer; if another one " +
        "took over, stop one of them first.",
      docsPath: WRITER_LOCK_DOCS,
      cause: parameters.cause,
    });
  }
}
