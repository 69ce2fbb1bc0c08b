import assert from "node:assert/strict";
import { type Server, type Socket, createServer } from "node:net";

import pg from "pg";

import { freePort } from "../../src/cli/childProcesses.js";
import { choosePostgres, testPostgres } from "./postgres.js";

describe("the PostgreSQL server of the tests (test/helpers/postgres.ts)", function () {
  /** A TCP server that accepts connections and never says a word, counting them. */
  let silent: Server;
  let silentUrl: string;
  let silentConnections = 0;
  const sockets = new Set<Socket>();

  before(async function () {
    silent = createServer((socket) => {
      silentConnections++;
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentUrl = `postgres://postgres@127.0.0.1:${(silent.address() as { port: number }).port}/postgres`;
  });

  after(async function () {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it("uses $STEMMA_TEST_POSTGRES_URL when it is set, without probing the local server", async function () {
    const url = "postgres://tester@db.example:6543/postgres";
    const before = silentConnections;
    assert.deepEqual(await choosePostgres({ env: { STEMMA_TEST_POSTGRES_URL: url }, localUrl: silentUrl }), {
      kind: "url",
      url,
    });
    assert.equal(silentConnections, before);
  });

  it("uses the local server when it answers", async function () {
    const { adminUrl } = await testPostgres();
    assert.deepEqual(await choosePostgres({ env: {}, localUrl: adminUrl }), { kind: "local", url: adminUrl });
  });

  it("starts an embedded server when nothing listens on the local port", async function () {
    const nobody = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    assert.deepEqual(await choosePostgres({ env: {}, localUrl: nobody }), { kind: "embedded" });
  });

  it("gives up on a local port that accepts but never answers after the timeout", async function () {
    const started = performance.now();
    assert.deepEqual(await choosePostgres({ env: {}, localUrl: silentUrl, timeoutMs: 300 }), { kind: "embedded" });
    assert.ok(performance.now() - started < 5_000);
  });

  it("starts the embedded server when STEMMA_TEST_POSTGRES=embedded, even with a URL and a local server", async function () {
    const { adminUrl } = await testPostgres();
    const env = { STEMMA_TEST_POSTGRES: "embedded", STEMMA_TEST_POSTGRES_URL: adminUrl };
    assert.deepEqual(await choosePostgres({ env, localUrl: adminUrl }), { kind: "embedded" });
  });

  it("refuses any other STEMMA_TEST_POSTGRES", async function () {
    await assert.rejects(choosePostgres({ env: { STEMMA_TEST_POSTGRES: "local" } }), {
      message: 'STEMMA_TEST_POSTGRES must be "embedded" or unset, not "local"',
    });
  });

  it("decides once per run, and its databases live on the same server as its admin URL", async function () {
    const server = await testPostgres();
    assert.equal(await testPostgres(), server);
    const name = `stemma_helper_${process.pid}`;
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
      const client = new pg.Client({ connectionString: server.databaseUrl(name) });
      await client.connect();
      const { rows } = await client.query<{ db: string }>("select current_database() as db");
      await client.end();
      assert.deepEqual(rows, [{ db: name }]);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
