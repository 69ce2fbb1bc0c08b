import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

import { BaseError as ViemBaseError } from "viem";

import { createRpcClient } from "../../src/chain/rpc/createRpcClient.js";
import { RpcError, RpcRangeTooLargeError, RpcTransientError } from "../../src/chain/rpc/errors.js";
import { CliError, ROOT } from "../../src/cli/shared.js";
import {
  CoreError,
  InvalidAmountError,
  InvalidModelKeyError,
  InvalidPercentError,
  InvalidWeightsError,
  LedgerEventError,
  MirrorMismatchError,
  UnknownEntryError,
  UnknownModelError,
} from "../../src/core/errors.js";
import { parsePercent } from "../../src/core/percent.js";
import { ReorgTooDeepError } from "../../src/indexer/errors.js";
import { describeError } from "../../src/internal/describeError.js";
import { BaseError, isRetryable } from "../../src/internal/errors.js";
import { ScenarioError } from "../../src/sim/scenario/scenarioError.js";
import { WriterLockedError, WriterLockLostError } from "../../src/store/acquireWriterLock.js";
import {
  createStore,
  InvalidDatabaseUrlError,
  StoreConnectionError,
  StoreOpenError,
  TransactionRolledBackError,
} from "../../src/store/createStore.js";
import { InvalidMigrationsError, MigrationFailedError, SchemaMismatchError } from "../../src/store/migrate.js";

/** A Node error whose `cause` is `cause` (plain errors can form chains, and cycles, too). */
const causedBy = (message: string, cause?: unknown): Error => new Error(message, { cause });

describe("BaseError (src/internal/errors.ts)", function () {
  it("puts details and the docs pointer after a blank line, and keeps the short message on its own", function () {
    assert.equal(new BaseError("It broke.").message, "It broke.");
    assert.equal(new BaseError("It broke.", { details: "Fix it." }).message, "It broke.\n\nDetails: Fix it.");
    assert.equal(
      new BaseError("It broke.", { details: "Fix it.", docsPath: "docs/X.md#y" }).message,
      "It broke.\n\nDetails: Fix it.\nDocs: docs/X.md#y",
    );
    assert.equal(new BaseError("It broke.", { docsPath: "docs/X.md#y" }).message, "It broke.\n\nDocs: docs/X.md#y");
    const error = new BaseError("It broke.", { details: "Fix it.", cause: "why" });
    assert.equal(error.shortMessage, "It broke.");
    assert.equal(error.details, "Fix it.");
    assert.equal(error.docsPath, undefined);
    assert.equal(error.cause, "why");
    assert.equal(error.retryable, false);
    assert.equal(error.name, "BaseError");
    assert.ok(!("cause" in new BaseError("no cause")), "an absent cause is not an own undefined property");
  });

  it("walk() finds the innermost cause, or the first error a predicate accepts, outermost first", function () {
    const root = causedBy("ECONNREFUSED");
    const middle = new StoreConnectionError({ location: "postgres://db/x", cause: root });
    const outer = new BaseError("Start-up failed.", { cause: middle });
    assert.equal(outer.walk(), root);
    assert.equal(
      outer.walk((e) => e instanceof StoreConnectionError),
      middle,
    );
    assert.equal(
      outer.walk((e) => e instanceof BaseError),
      outer,
    );
    assert.equal(
      outer.walk((e) => e instanceof RpcError),
      undefined,
    );
    const alone = new BaseError("alone");
    assert.equal(alone.walk(), alone);
  });

  it("walk() follows a cause chain that loops back only once round, with and without a predicate", function () {
    const a = causedBy("a");
    const b = causedBy("b", a);
    (a as { cause?: unknown }).cause = b;
    const outer = new BaseError("outer", { cause: a });
    assert.equal(outer.walk(), b, "the last error before the loop closes");
    let visited = 0;
    assert.equal(
      outer.walk(() => (visited++, false)),
      undefined,
    );
    assert.equal(visited, 3);
    const self = new BaseError("self");
    (self as { cause?: unknown }).cause = self;
    assert.equal(self.walk(), self);
  });

  it("isRetryable() is true only for one of our errors that says so", function () {
    assert.equal(isRetryable(new BaseError("x", { retryable: true })), true);
    assert.equal(isRetryable(new BaseError("x")), false);
    assert.equal(isRetryable(Object.assign(new Error("x"), { retryable: true })), false);
    assert.equal(isRetryable({ retryable: true }), false);
    assert.equal(isRetryable(undefined), false);
    assert.equal(isRetryable(null), false);
  });
});

describe("each layer's errors are BaseErrors with an honest retryable flag", function () {
  /** Checks that `error` is a BaseError named `name`, retryable as given, with a one-line short message. */
  function check(error: unknown, name: string, retryable: boolean): void {
    assert.ok(error instanceof BaseError, `${name} is not a BaseError: ${String(error)}`);
    assert.equal(error.name, name);
    assert.equal(error.retryable, retryable, `${name}.retryable`);
    assert.equal(isRetryable(error), retryable);
    assert.ok(!error.shortMessage.includes("\n"), `${name}: the short message spans lines: ${error.shortMessage}`);
    assert.ok(error.message.startsWith(error.shortMessage));
  }

  it("store: only a connection that failed is retryable", async function () {
    const refused = await createStore({ databaseUrl: "postgres://me@127.0.0.1:1/nowhere" }).then(
      () => assert.fail("connected to port 1"),
      (error: unknown) => error,
    );
    check(refused, "StoreConnectionError", true);
    assert.ok(refused instanceof StoreConnectionError && refused.cause instanceof Error);
    const location = "postgres://me:***@db/x";
    const cause = causedBy("boom");
    check(new InvalidDatabaseUrlError({ reason: "it is not a URL" }), "InvalidDatabaseUrlError", false);
    check(new StoreOpenError({ location: "/tmp/x", cause }), "StoreOpenError", false);
    check(new TransactionRolledBackError({ location }), "TransactionRolledBackError", false);
    check(new InvalidMigrationsError("migration 1 has no name"), "InvalidMigrationsError", false);
    check(
      new SchemaMismatchError({ location, reason: "it records migration 2 but not 1", details: "Use another." }),
      "SchemaMismatchError",
      false,
    );
    const failed = new MigrationFailedError({ location, migration: { version: 3, name: "m", sql: "" }, cause });
    check(failed, "MigrationFailedError", false);
    assert.equal(failed.version, 3);
    const locked = new WriterLockedError({ location, holder: "pid 7 on h", holderPid: 7, details: "Stop it." });
    check(locked, "WriterLockedError", false);
    assert.equal(locked.holderPid, 7);
    assert.equal(locked.location, location);
    check(new WriterLockLostError({ location, reason: "the file is gone" }), "WriterLockLostError", false);
  });

  it("indexer: a reorg deeper than the window is not retryable, and points at the docs", function () {
    const error = new ReorgTooDeepError({ oldestKept: 12n, location: "/data" });
    check(error, "ReorgTooDeepError", false);
    assert.match(error.shortMessage, /oldest kept: 12\): a reorg deeper than the reorg window/);
    assert.match(error.details!, /^The database at \/data cannot be repaired in place: .*--reset/);
    assert.equal(error.docsPath, "docs/INDEXER.md#guarantees");
  });

  it("chain: an RPC node that does not answer is retryable once the client's retries ran out; a refusal is not", async function () {
    const unreachable = createRpcClient({ url: "http://127.0.0.1:1/", maxRetries: 1, baseDelayMs: 0 });
    const gaveUp = await unreachable.blockNumber().then(
      () => assert.fail("port 1 answered"),
      (error: unknown) => error,
    );
    check(gaveUp, "RpcError", true);
    assert.ok(gaveUp instanceof RpcError);
    assert.equal(gaveUp.method, "eth_blockNumber");
    assert.equal(gaveUp.attempts, 2);
    assert.ok(gaveUp.cause instanceof RpcTransientError && gaveUp.cause.reason === "network");
    check(gaveUp.cause, "RpcTransientError", true);

    const refusing = createRpcClient({
      url: "http://rpc.test/",
      fetch: async (_input, init) => {
        const { id } = JSON.parse(String(init?.body)) as { id: number };
        return Response.json({ jsonrpc: "2.0", id, error: { code: -32602, message: "invalid params" } });
      },
    });
    const rejected = await refusing.blockNumber().then(
      () => assert.fail("the scripted node accepted"),
      (error: unknown) => error,
    );
    check(rejected, "RpcError", false);
    assert.ok(rejected instanceof RpcError && rejected.code === -32602 && rejected.rpcMessage === "invalid params");
    check(
      new RpcRangeTooLargeError({ fromBlock: 1n, toBlock: 9n, code: -32005, rpcMessage: "too many results" }),
      "RpcRangeTooLargeError",
      false,
    );
  });

  it("core: every error is a CoreError and a BaseError, never retryable", function () {
    const percent = (() => {
      try {
        return parsePercent("120%", "--upstream");
      } catch (error) {
        return error;
      }
    })();
    const errors: [unknown, string][] = [
      [new CoreError("x"), "CoreError"],
      [percent, "InvalidPercentError"],
      [new InvalidModelKeyError({ key: "", reason: "it is empty" }), "InvalidModelKeyError"],
      [new InvalidAmountError({ name: "amount", value: -1n, reason: "it is negative" }), "InvalidAmountError"],
      [new InvalidWeightsError({ reason: "they sum to 0" }), "InvalidWeightsError"],
      [new MirrorMismatchError({ event: "Paid", field: "fee", expected: 1n, actual: 2n }), "MirrorMismatchError"],
      [new LedgerEventError({ event: "Claimed", reason: "no entry" }), "LedgerEventError"],
      [new UnknownModelError({ modelId: "0x01" }), "UnknownModelError"],
      [new UnknownEntryError({ modelId: "0x01", epoch: 1, cumulativeBefore: 0 }), "UnknownEntryError"],
    ];
    for (const [error, name] of errors) {
      check(error, name, false);
      assert.ok(error instanceof CoreError);
    }
    assert.ok(percent instanceof InvalidPercentError);
  });

  it("cli and sim: one-line errors, never retryable", function () {
    const cli = new CliError('--steps must be a whole number of steps, 1 or more, not "x".');
    check(cli, "CliError", false);
    assert.equal(cli.message, cli.shortMessage);
    const scenario = new ScenarioError("models[1].upstream", "expected a percentage");
    check(scenario, "ScenarioError", false);
    assert.equal(scenario.message, "models[1].upstream: expected a percentage");
    assert.equal(scenario.path, "models[1].upstream");
  });

  it("every docsPath names a heading that exists in that doc", async function () {
    const withDocs = [
      new ReorgTooDeepError({ oldestKept: null, location: "x" }),
      new WriterLockedError({ location: "x", holder: undefined, holderPid: undefined, details: "d" }),
      new WriterLockLostError({ location: "x", reason: "r" }),
    ];
    for (const error of withDocs) {
      const [file, anchor] = error.docsPath!.split("#");
      const headings = (await readFile(`${ROOT}${file}`, "utf8")).match(/^#+ .*$/gm) ?? [];
      const slugs = headings.map((h) =>
        h
          .replace(/^#+ /, "")
          .toLowerCase()
          .replace(/[^\w\- ]/g, "")
          .replace(/ /g, "-"),
      );
      assert.ok(slugs.includes(anchor!), `${error.name}: ${error.docsPath} names no heading of ${file}`);
    }
  });
});

describe("describeError (src/internal/describeError.ts)", function () {
  it("prints one of our errors as its short message, then its details and docs pointer", function () {
    const locked = new WriterLockedError({ location: "/data", holder: "pid 7", holderPid: 7, details: "Stop it." });
    assert.equal(
      describeError(locked, "npm run index -- --help"),
      "Another indexer is writing to /data (pid 7).\n\nDetails: Stop it.\nDocs: docs/INDEXER.md#guarantees",
    );
    const connection = new StoreConnectionError({ location: "postgres://db/x", cause: causedBy("refused") });
    assert.equal(describeError(connection, "h"), connection.message);
    assert.match(
      describeError(connection, "h"),
      /^Could not connect to PostgreSQL at postgres:\/\/db\/x: refused\n\nDetails: Check/,
    );
  });

  it("prints a CLI error on one line, and a viem error as its short message", function () {
    assert.equal(
      describeError(new CliError("--port and --api-port must differ."), "h"),
      "--port and --api-port must differ.",
    );
    const viem = new ViemBaseError("The call reverted.", { details: "many lines" });
    assert.equal(describeError(viem, "h"), "The call reverted.");
    assert.equal(describeError("a string", "h"), "a string");
  });

  it("says where the flags are listed for a bad flag", function () {
    const bad = (() => {
      try {
        return parseArgs({ args: ["--bogus"], options: {}, strict: true });
      } catch (error) {
        return error;
      }
    })();
    assert.match(
      describeError(bad, "stemma claim --help"),
      /^Unknown option '--bogus'.*\(stemma claim --help lists the flags\)$/,
    );
  });
});
