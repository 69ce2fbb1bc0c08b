import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rename, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import pg from "pg";

import {
  type DataDirLockFile,
  WriterLockedError,
  WriterLockLostError,
  acquireDataDirLock,
  acquireWriterLock,
} from "../../src/store/acquireWriterLock.js";
import {
  InvalidDatabaseUrlError,
  StoreConnectionError,
  TransactionRolledBackError,
  createStore,
} from "../../src/store/createStore.js";
import { type Migration, MigrationFailedError, SchemaMismatchError, migrate } from "../../src/store/migrate.js";
import { migrations } from "../../src/store/migrations.js";
import type { Store } from "../../src/store/types.js";
import { sleep } from "../../src/internal/sleep.js";
import { testPostgres } from "../helpers/postgres.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOLDER = fileURLToPath(new URL("./fixtures/holdLock.ts", import.meta.url));
const MAX_UINT256 = 2n ** 256n - 1n;
const INDEXER_TABLES = [
  "account_balances",
  "attestations",
  "attesters",
  "beneficiary_replacements",
  "block_times",
  "claim_redirections",
  "contributor_epochs",
  "contributors",
  "disputes",
  "effective_shares",
  "guardians",
  "indexed_blocks",
  "indexer_checkpoint",
  "ledger_events",
  "lineage_corrections",
  "model_parents",
  "model_reassignments",
  "model_token_totals",
  "models",
  "token_fees",
  "token_policies",
  "trust_settings",
];

/** The newest schema version this code knows. */
const LATEST = migrations[migrations.length - 1]!.version;

type Variant = {
  /** The store every spec of the variant shares; its public schema is emptied before each spec. */
  store: () => Store;
};

/** What both stores must do alike: migrations, value shapes, transactions, the writer lock. */
function shouldBehaveLikeAStore({ store: getStore }: Variant): void {
  let store: Store;

  beforeEach(async function () {
    store = getStore();
    await store.exec("drop schema public cascade; create schema public;");
  });

  describe("migrate", function () {
    it("applies every migration once, records it, and applies nothing the second time", async function () {
      const versions = migrations.map((m) => m.version);
      assert.deepEqual(await migrate(store, migrations), { applied: versions, version: LATEST });
      assert.deepEqual(await tablesOf(store), ["schema_migrations", ...INDEXER_TABLES].sort());
      const recorded = await store.query<{ version: number; name: string; applied_at: Date }>(
        "select * from schema_migrations order by version",
      );
      assert.deepEqual(
        recorded.map((r) => [r.version, r.name]),
        migrations.map((m) => [m.version, m.name]),
      );
      assert.ok(recorded[0]?.applied_at instanceof Date);

      assert.deepEqual(await migrate(store, migrations), { applied: [], version: LATEST });
      assert.equal((await store.query("select * from schema_migrations")).length, migrations.length);

      const next: Migration = { version: LATEST + 1, name: "extra", sql: "create table extra (id int primary key);" };
      assert.deepEqual(await migrate(store, [...migrations, next]), { applied: [LATEST + 1], version: LATEST + 1 });
    });

    it("refuses a database whose schema is newer than the code, and changes nothing", async function () {
      const newer: Migration = { version: LATEST + 1, name: "from the future", sql: "create table future (id int);" };
      await migrate(store, [...migrations, newer]);
      await assert.rejects(migrate(store, migrations), (error: unknown) => {
        assert.ok(error instanceof SchemaMismatchError);
        assert.ok(error.message.includes(`its schema is at version ${LATEST + 1}, newer than the ${LATEST} this code`));
        assert.match(error.message, /A newer Stemma migrated this database/);
        assert.ok(error.message.includes(store.location));
        return true;
      });
      assert.equal((await store.query("select * from schema_migrations")).length, migrations.length + 1);
    });

    it("refuses a database made by a different schema, before applying anything", async function () {
      await migrate(store, [{ version: 1, name: "someone else's", sql: "create table other (id int);" }]);
      await assert.rejects(
        migrate(store, migrations),
        (error: unknown) =>
          error instanceof SchemaMismatchError &&
          /its migration 1 is "someone else's", this code's is "indexer schema"/.test(error.message) &&
          /made by a different schema/.test(error.message),
      );
      assert.deepEqual(await tablesOf(store), ["other", "schema_migrations"]);
    });

    it("rolls a failing migration back whole and keeps the ones before it", async function () {
      const broken: Migration = {
        version: LATEST + 1,
        name: "broken",
        sql: "create table half (id int); select 1 / 0;",
      };
      await assert.rejects(
        migrate(store, [...migrations, broken]),
        (error: unknown) =>
          error instanceof MigrationFailedError &&
          error.version === LATEST + 1 &&
          new RegExp(`Migration ${LATEST + 1} \\("broken"\\) failed on .*division by zero`).test(error.message),
      );
      assert.ok(!(await tablesOf(store)).includes("half"));
      assert.deepEqual(
        (await store.query<{ version: number }>("select version from schema_migrations order by version")).map(
          (r) => r.version,
        ),
        migrations.map((m) => m.version),
      );
    });
  });

  describe("values", function () {
    beforeEach(async function () {
      await migrate(store, migrations);
    });

    it("returns NUMERIC(78,0) amounts exactly, as decimal strings: 2^256 - 1 and 0", async function () {
      await store.query("insert into token_fees (token, fees) values ($1, $2), ($3, $4)", [
        "max",
        MAX_UINT256.toString(),
        "zero",
        0n, // bigint parameters work too
      ]);
      const rows = await store.query<{ token: string; fees: string }>(
        "select token, fees from token_fees order by token",
      );
      assert.deepEqual(rows, [
        { token: "max", fees: "115792089237316195423570985008687907853269984665640564039457584007913129639935" },
        { token: "zero", fees: "0" },
      ]);
      assert.equal(BigInt(rows[0]!.fees), MAX_UINT256);
      const [sum] = await store.query<{ total: string; n: string; all: string[] }>(
        "select sum(fees) as total, count(*) as n, array_agg(fees order by token) as all from token_fees",
      );
      assert.deepEqual(sum, { total: MAX_UINT256.toString(), n: "2", all: [MAX_UINT256.toString(), "0"] });
    });

    it("returns the same shapes on both stores: bigint as string, int as number, jsonb parsed, Date", async function () {
      await store.query(
        `insert into models (id, key, steward, placeholder, status, beneficiary, upstream_ppm, epoch, terms, registered_block)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        ["0x01", "hf:org/name@abc", "0xsteward", false, 1, null, 250_000, 3, { fee: "10", tags: ["a"] }, 2n ** 60n],
      );
      await store.query(
        `insert into indexer_checkpoint (id, chain_id, registry, router, block_number, block_hash, block_timestamp, finalized_block, backfill_done)
         values (1, $1, $2, $3, $4, $5, $6, $7, $8)`,
        [31337, "0xregistry", "0xrouter", "9007199254740993", "0xhash", 1_700_000_000, 5, true],
      );
      assert.deepEqual(await store.query("select * from models"), [
        {
          id: "0x01",
          key: "hf:org/name@abc",
          steward: "0xsteward",
          placeholder: false,
          status: 1,
          beneficiary: null,
          upstream_ppm: 250_000,
          epoch: 3,
          terms: { fee: "10", tags: ["a"] },
          registered_block: (2n ** 60n).toString(),
          weights_digest: null,
          metadata_uri: null,
          license: null,
          verified: false,
          provisional_until: null,
          dispute_cooldown_until: null,
          dismissed_disputes: 0,
        },
      ]);
      const [checkpoint] = await store.query<Record<string, unknown>>("select * from indexer_checkpoint");
      assert.ok(checkpoint?.updated_at instanceof Date);
      assert.deepEqual(
        { ...checkpoint, updated_at: undefined },
        {
          id: 1,
          chain_id: "31337",
          registry: "0xregistry",
          router: "0xrouter",
          block_number: "9007199254740993", // above 2^53: PGlite alone would have returned a bigint here
          block_hash: "0xhash",
          block_timestamp: "1700000000",
          finalized_block: "5",
          backfill_done: true,
          updated_at: undefined,
        },
      );
    });
  });

  describe("transaction", function () {
    beforeEach(async function () {
      await migrate(store, migrations);
    });

    it("commits everything fn wrote and returns what fn returned", async function () {
      const result = await store.transaction(async (tx) => {
        await tx.query("insert into token_fees (token, fees) values ('a', 1)");
        await tx.exec("insert into token_fees (token, fees) values ('b', 2); insert into token_fees values ('c', 3);");
        return (await tx.query<{ n: string }>("select count(*) as n from token_fees"))[0]?.n;
      });
      assert.equal(result, "3");
      assert.deepEqual(await store.query("select token from token_fees order by token"), [
        { token: "a" },
        { token: "b" },
        { token: "c" },
      ]);
    });

    it("leaves nothing when a later statement fails, and rethrows the database's error", async function () {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query("insert into token_fees (token, fees) values ('a', 1)");
          await tx.query("insert into token_fees (token, fees) values ('a', 2)"); // duplicate key
        }),
        (error: unknown) => (error as { code?: string }).code === "23505",
      );
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query("insert into token_fees (token, fees) values ('b', 1)");
          throw new Error("handler failed");
        }),
        /handler failed/,
      );
      assert.deepEqual(await store.query("select * from token_fees"), []);
    });

    it("reports, rather than silently rolls back, a transaction whose failed statement fn caught", async function () {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query("insert into token_fees (token, fees) values ('a', 1)");
          await tx.query("select 1 / 0").catch(() => {});
        }),
        TransactionRolledBackError,
      );
      assert.deepEqual(await store.query("select * from token_fees"), []);
    });

    it("runs one statement per query and several per exec, alike on both stores", async function () {
      await assert.rejects(
        store.query("select 1; select 2"),
        /cannot insert multiple commands into a prepared statement/,
      );
      await store.exec("insert into token_fees values ('a', 1); insert into token_fees values ('b', 2);");
      assert.deepEqual(await store.query("select count(*) as n from token_fees"), [{ n: "2" }]);
    });

    it("refuses a transaction handle used after its transaction ended", async function () {
      const kept = await store.transaction(async (tx) => tx);
      await assert.rejects(kept.query("select 1"), /This transaction has ended/);
    });

    it("inserts 10,000 rows in one multi-row INSERT", async function () {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let i = 0; i < 10_000; i++) {
        values.push(`($${2 * i + 1}, $${2 * i + 2})`);
        params.push(`0x${i.toString(16).padStart(40, "0")}`, (MAX_UINT256 - BigInt(i)).toString());
      }
      await store.transaction(async (tx) => {
        await tx.query(`insert into token_fees (token, fees) values ${values.join(", ")}`, params);
      });
      const [row] = await store.query<{ n: string; low: string }>(
        "select count(*) as n, min(fees) as low from token_fees",
      );
      assert.deepEqual(row, { n: "10000", low: (MAX_UINT256 - 9_999n).toString() });
    });
  });

  describe("acquireWriterLock", function () {
    it("refuses a second writer while the first holds the lock, naming it, and admits one after release", async function () {
      const first = await acquireWriterLock(store, { owner: `indexer pid ${process.pid}` });
      await assert.rejects(acquireWriterLock(store, { owner: "indexer" }), (error: unknown) => {
        assert.ok(error instanceof WriterLockedError);
        assert.ok(error.message.startsWith(`Another indexer is writing to ${store.location} (`));
        assert.match(error.message, new RegExp(`indexer pid ${process.pid} on `));
        assert.doesNotMatch(error.message, /pid \d+ pid/);
        assert.equal(error.holderPid, process.pid);
        return true;
      });
      await first.release();
      await first.release(); // idempotent
      const second = await acquireWriterLock(store, { owner: "indexer" });
      await second.release();
    });
  });
}

describe("store (src/store)", function () {
  const children = new Set<ChildProcess>();
  let root: string;

  before(async function () {
    root = await mkdtemp(join(tmpdir(), "stemma-store-"));
  });

  after(async function () {
    for (const child of children) child.kill("SIGKILL");
    await rm(root, { recursive: true, force: true });
  });

  /** Spawns test/store/fixtures/holdLock.ts and waits (bounded) for it to print READY. */
  async function spawnHolder(mode: "datadir" | "pglite" | "postgres", target: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", HOLDER, mode, target], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    child.once("exit", () => children.delete(child));
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`holder (${mode}) not READY after 20 s:\n${output}`)), 20_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes("READY")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`holder (${mode}) exited with ${code} before READY:\n${output}`));
      });
    });
    return child;
  }

  async function killHard(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  describe("PGlite", function () {
    let store: Store;
    let dataDir: string;

    before(async function () {
      dataDir = join(root, "nested", "pglite");
      store = await createStore({ dataDir });
    });

    after(async function () {
      await store?.close();
    });

    shouldBehaveLikeAStore({ store: () => store });

    it("creates the data folder with its parents and reports it as the location", async function () {
      assert.equal(store.kind, "pglite");
      assert.equal(store.location, dataDir);
      assert.ok((await readdir(dataDir)).includes("PG_VERSION"));
    });

    it("refuses a second store on the same folder while the first is open, and admits one after close", async function () {
      await assert.rejects(createStore({ dataDir }), (error: unknown) => {
        assert.ok(error instanceof WriterLockedError);
        assert.match(error.message, new RegExp(`^Another indexer is writing to ${dataDir} \\(pid ${process.pid} on `));
        return true;
      });
      await store.close();
      await assert.rejects(store.query("select 1"), /is closed/);
      store = await createStore({ dataDir });
      assert.deepEqual(await store.query("select 1 as one"), [{ one: 1 }]);
    });

    it("refuses every call once its folder lock is lost, so it cannot write beside another process", async function () {
      const usurper = JSON.stringify({
        pid: 1,
        hostname: "elsewhere.invalid",
        heartbeatAt: new Date().toISOString(),
        token: "x",
      });
      // As a rival replaces a lock file: a new file renamed over it. Written in place, the holder's next heartbeat
      // (which had just read its own token) could write over the usurper, and the loss would go unseen.
      await writeFile(`${dataDir}.lock.usurper`, usurper);
      await rename(`${dataDir}.lock.usurper`, `${dataDir}.lock`);
      await within(3_000, () =>
        assert.rejects(store.query("select 1"), (error: unknown) => {
          assert.ok(error instanceof WriterLockLostError);
          assert.match(error.message, /another process replaced the file/);
          return true;
        }),
      );
      await store.close();
      assert.equal(await readFile(`${dataDir}.lock`, "utf8"), usurper); // not ours to delete
      await rm(`${dataDir}.lock`);
      store = await createStore({ dataDir });
    });

    it("keeps memory:// in memory, without a lock file", async function () {
      const memory = await createStore({ dataDir: "memory://" });
      try {
        assert.equal(memory.location, "memory://");
        assert.deepEqual(await memory.query("select 2 as two"), [{ two: 2 }]);
      } finally {
        await memory.close();
      }
    });

    it("refuses the folder of a live process, and opens it, data intact, once that process is killed", async function () {
      const otherDir = join(root, "held-pglite");
      const holder = await spawnHolder("pglite", otherDir);
      await assert.rejects(createStore({ dataDir: otherDir }), (error: unknown) => {
        assert.ok(error instanceof WriterLockedError);
        assert.equal(error.holderPid, holder.pid);
        assert.match(
          error.message,
          new RegExp(`\\(pid ${holder.pid} on .*Stop that process \\(kill ${holder.pid}\\)`, "s"),
        );
        return true;
      });
      await killHard(holder);
      const reopened = await createStore({ dataDir: otherDir });
      try {
        assert.deepEqual(await reopened.query("select fees from token_fees where token = 'written-by-holder'"), [
          { fees: "42" },
        ]);
      } finally {
        await reopened.close();
      }
    });
  });

  describe("PostgreSQL", function () {
    let admin: pg.Pool;
    let database: string;
    let databaseUrl: string;
    let store: Store;

    before(async function () {
      const server = await testPostgres();
      admin = new pg.Pool({ connectionString: server.adminUrl, max: 1 });
      admin.on("error", () => {});
      database = `stemma_test_${randomBytes(6).toString("hex")}`;
      await admin.query(`create database ${database}`);
      databaseUrl = server.databaseUrl(database);
      store = await createStore({ databaseUrl });
    });

    after(async function () {
      await store?.close();
      if (database !== undefined) await admin.query(`drop database if exists ${database} with (force)`);
      await admin?.end();
    });

    shouldBehaveLikeAStore({ store: () => store });

    it("reads one state of the database inside a snapshot while another connection commits, and writes nothing", async function () {
      await store.exec("create table snap (n int); insert into snap values (1);");
      try {
        const counts = await store.snapshot(async (sql) => {
          const count = async () => (await sql.query<{ n: number }>("select count(*)::int as n from snap"))[0]!.n;
          const before = await count();
          await store.query("insert into snap values (2)");
          return [before, await count()];
        });
        assert.deepEqual(counts, [1, 1]);
        assert.deepEqual(await store.query("select count(*)::int as n from snap"), [{ n: 2 }]);
        await assert.rejects(
          store.snapshot((sql) => sql.query("insert into snap values (3)")),
          /read-only transaction/,
        );
        assert.deepEqual(await store.query("select count(*)::int as n from snap"), [{ n: 2 }]);
      } finally {
        await store.exec("drop table snap");
      }
    });

    it("prepares each read once per connection, and at most 500 texts however many shapes a client sends", async function () {
      const single = await createStore({ databaseUrl, poolSize: 1 });
      try {
        // A client can make filters of endless shapes: each a new SQL text.
        for (let k = 0; k < 600; k++) {
          assert.deepEqual(await single.query(`SELECT $1::int + ${k} AS n`, [1]), [{ n: 1 + k }]);
        }
        const [prepared] = await single.query<{ count: string }>(
          "SELECT count(*) AS count FROM pg_prepared_statements WHERE name LIKE 'stemma_%'",
        );
        assert.equal(Number(prepared!.count), 500);
        // A text past the cap still answers (unnamed), and a prepared one answers again from its name.
        assert.deepEqual(await single.query("SELECT $1::int + 599 AS n", [1]), [{ n: 600 }]);
        assert.deepEqual(await single.query("SELECT $1::int + 0 AS n", [2]), [{ n: 2 }]);
      } finally {
        await single.close();
      }
    });

    it("reports the URL without its password as the location", async function () {
      assert.equal(store.kind, "postgres");
      assert.equal(store.location, databaseUrl);
      await assert.rejects(
        createStore({ databaseUrl: "postgres://me:hunter2@127.0.0.1:1/nowhere?password=hunter2" }),
        (error: unknown) => {
          assert.ok(error instanceof StoreConnectionError);
          assert.ok(error.retryable);
          assert.ok(error.message.startsWith("Could not connect to PostgreSQL at postgres://me:***@127.0.0.1:1/"));
          assert.ok(!error.message.includes("hunter2"));
          return true;
        },
      );
      await assert.rejects(createStore({ databaseUrl: "mysql://me:hunter2@db/x" }), InvalidDatabaseUrlError);
    });

    it("refuses a second store's writer while the first holds the lock; closing the first frees it", async function () {
      const other = await createStore({ databaseUrl });
      try {
        await acquireWriterLock(store, { owner: "indexer" });
        await assert.rejects(acquireWriterLock(other, { owner: "indexer" }), WriterLockedError);
        await store.close(); // releases the writer lock it holds
        store = await createStore({ databaseUrl });
        await (await acquireWriterLock(other, { owner: "indexer" })).release();
      } finally {
        await other.close();
      }
    });

    it("refuses every call once the writer lock's connection is gone, and says so", async function () {
      let lost: WriterLockLostError | undefined;
      await acquireWriterLock(store, { owner: "doomed", onLost: (error) => (lost = error) });
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name like 'stemma doomed%'",
        [database],
      );
      await within(3_000, async () => assert.ok(lost instanceof WriterLockLostError));
      await assert.rejects(store.query("select 1"), (error: unknown) => error === lost);
      await store.close();
      store = await createStore({ databaseUrl });
      await (await acquireWriterLock(store, { owner: "indexer" })).release();
    });

    it("frees the writer lock when the holding process is killed with SIGKILL", async function () {
      const holder = await spawnHolder("postgres", databaseUrl);
      await assert.rejects(acquireWriterLock(store, { owner: "indexer" }), (error: unknown) => {
        assert.ok(error instanceof WriterLockedError);
        assert.equal(error.holderPid, holder.pid);
        assert.match(error.message, new RegExp(`"stemma holdLock fixture pid ${holder.pid} on `));
        return true;
      });
      await killHard(holder);
      const lock = await within(5_000, () => acquireWriterLock(store, { owner: "indexer" }));
      await lock.release();
    });
  });

  describe("acquireDataDirLock", function () {
    let dataDir: string;
    let lockPath: string;

    beforeEach(async function () {
      dataDir = join(root, `dir-${randomBytes(4).toString("hex")}`);
      lockPath = `${dataDir}.lock`;
    });

    async function writeLock(fields: Partial<DataDirLockFile>): Promise<void> {
      const now = new Date().toISOString();
      const file: DataDirLockFile = {
        pid: process.pid,
        hostname: hostname(),
        owner: "test",
        startedAt: now,
        heartbeatAt: now,
        processStart: undefined,
        token: "someone-else",
        ...fields,
      };
      await writeFile(lockPath, JSON.stringify(file));
    }

    async function lockFile(): Promise<DataDirLockFile> {
      return JSON.parse(await readFile(lockPath, "utf8")) as DataDirLockFile;
    }

    it("writes <dataDir>.lock with pid, host and heartbeat, refuses a second holder, and deletes it on release", async function () {
      const lock = await acquireDataDirLock(dataDir);
      assert.equal(lock.path, lockPath);
      const file = await lockFile();
      assert.equal(file.pid, process.pid);
      assert.equal(file.hostname, hostname());
      assert.ok(Date.parse(file.startedAt) <= Date.parse(file.heartbeatAt));
      await assert.rejects(acquireDataDirLock(dataDir), WriterLockedError);
      await lock.release();
      await assert.rejects(readFile(lockPath), { code: "ENOENT" });
      await (await acquireDataDirLock(dataDir)).release();
    });

    it("refreshes the heartbeat while held", async function () {
      const lock = await acquireDataDirLock(dataDir, { heartbeatMs: 20 });
      const before = (await lockFile()).heartbeatAt;
      await within(2_000, async () => {
        assert.ok(Date.parse((await lockFile()).heartbeatAt) > Date.parse(before));
      });
      await lock.release();
    });

    it("takes over the lock of a pid that is no longer running", async function () {
      const dead = spawn(process.execPath, ["-e", ""]);
      await new Promise((resolve) => dead.once("exit", resolve));
      assert.ok(dead.pid !== undefined);
      await writeLock({ pid: dead.pid, heartbeatAt: new Date().toISOString() });
      const lock = await acquireDataDirLock(dataDir);
      assert.equal((await lockFile()).pid, process.pid);
      await lock.release();
    });

    it("refuses a live holder on this host, naming its pid, and takes over within staleMs once it is killed", async function () {
      const staleMs = 2_000;
      const holder = await spawnHolder("datadir", dataDir);
      await assert.rejects(acquireDataDirLock(dataDir, { staleMs }), (error: unknown) => {
        assert.ok(error instanceof WriterLockedError);
        assert.equal(error.holderPid, holder.pid);
        assert.match(error.message, new RegExp(`\\(pid ${holder.pid} on ${hostname()}, holdLock fixture, since `));
        assert.match(error.message, new RegExp(`Stop that process \\(kill ${holder.pid}\\)`));
        return true;
      });
      await killHard(holder);
      const lock = await within(staleMs + 1_000, () => acquireDataDirLock(dataDir, { staleMs }));
      assert.equal((await lockFile()).pid, process.pid);
      await lock.release();
    });

    it("never takes over a live holder on this host, however old its heartbeat", async function () {
      await writeLock({ heartbeatAt: new Date(Date.now() - 60_000).toISOString() });
      await assert.rejects(acquireDataDirLock(dataDir, { staleMs: 1_000 }), /no heartbeat for 60 s, yet running/);
    });

    it("takes over a lock whose pid now belongs to another process (Linux)", async function () {
      if (
        !(await readFile("/proc/self/stat").then(
          () => true,
          () => false,
        ))
      )
        this.skip();
      await writeLock({ processStart: "1" }); // our pid, but not our start time
      await (await acquireDataDirLock(dataDir)).release();
    });

    it("judges a lock from another host by its heartbeat", async function () {
      await writeLock({ hostname: "elsewhere.invalid", pid: 1 });
      await assert.rejects(acquireDataDirLock(dataDir, { staleMs: 1_000 }), /pid 1 on elsewhere\.invalid/);
      await writeLock({
        hostname: "elsewhere.invalid",
        pid: 1,
        heartbeatAt: new Date(Date.now() - 2_000).toISOString(),
      });
      await (await acquireDataDirLock(dataDir, { staleMs: 1_000 })).release();
    });

    it("judges an unreadable lock file by its age", async function () {
      await writeFile(lockPath, "");
      await assert.rejects(acquireDataDirLock(dataDir, { staleMs: 1_000 }), /writing the lock file right now/);
      const past = new Date(Date.now() - 2_000);
      await utimes(lockPath, past, past);
      await (await acquireDataDirLock(dataDir, { staleMs: 1_000 })).release();
    });

    it("reports a lock another process replaced while it was held", async function () {
      let lost: WriterLockLostError | undefined;
      await acquireDataDirLock(dataDir, { heartbeatMs: 20, onLost: (error) => (lost = error) });
      await writeLock({ token: "usurper" });
      await within(2_000, async () => assert.ok(lost instanceof WriterLockLostError));
      assert.match(lost!.message, /lost its writer lock on .*another process replaced the file/);
      assert.equal((await lockFile()).token, "usurper"); // and left the usurper's file alone
    });
  });
});

/** The tables of the public schema, sorted. */
async function tablesOf(store: Store): Promise<string[]> {
  const rows = await store.query<{ table_name: string }>(
    "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
  );
  return rows.map(({ table_name }) => table_name);
}

/** Retries `attempt` until it resolves, for at most `ms`; then rethrows its last error. */
async function within<T>(ms: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}
