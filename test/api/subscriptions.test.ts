/**
 * Subscriptions over Server-Sent Events, on both stores: a payment into a model, a new registration and an account's
 * balances, each reported once the indexer commits it. One hub serves them all from the commit announcements: many
 * subscribers share each commit's reads, a reorg's new blocks are reported, limits refuse with SUBSCRIPTION_LIMIT,
 * disposing the API or stopping startApi ends the streams, a store that goes away ends them with STORE_UNAVAILABLE,
 * and on PostgreSQL a broken listening connection loses no event.
 */
import assert from "node:assert/strict";
import { request, type Server } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

import pg from "pg";
import { getAddress, parseEther } from "viem";

import { createCommitFeed, type CommitFeed, type CommitFeedHandlers } from "../../src/api/commitFeed.js";
import { createApi } from "../../src/api/createApi.js";
import { createApiServer } from "../../src/api/createApiServer.js";
import { startApi } from "../../src/api/startApi.js";
import { createSubscriptionHub } from "../../src/api/subscriptionHub.js";
import { NATIVE_TOKEN } from "../../src/core/constants.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { Logger } from "../../src/internal/logger.js";
import { sleep } from "../../src/internal/sleep.js";
import type { Sql, Store } from "../../src/store/types.js";
import { closeServer, listenLocally } from "../helpers/api.js";
import { captureConsole } from "../helpers/console.js";
import { PAYER, send } from "../property/harness.js";
import { pay } from "../property/world.js";
import { freshStore, indexAll, startScenario, type Scenario, type StoreKind } from "../indexer/scenario.js";

type Api = ReturnType<typeof createApi>;
type Payload = { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] };

const PAYMENTS = "subscription ($m: Bytes32!) { paymentReceived(model: $m) { amount payer token } }";
const BALANCES = "subscription ($a: Address!) { claimableChanged(account: $a) { token claimable } }";
const REGISTRATIONS = "subscription { modelRegistered { key placeholder } }";
const amountOf = (payload: Payload) => (payload.data?.paymentReceived as { amount?: string } | undefined)?.amount;

/** Opens a subscription over SSE and returns a reader of its `next` payloads, and a way to close it. */
async function subscribe(api: Api, query: string, variables: Record<string, unknown> = {}) {
  const controller = new AbortController();
  const response = await api.fetch("http://api.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  /** The next chunk of the stream (undefined once it ended), failing after `ms` instead of hanging. */
  const read = async (ms: number): Promise<string | undefined> => {
    const timeout = delay(ms, "timeout" as const);
    const chunk = await Promise.race([reader.read(), timeout]);
    assert.notEqual(chunk, "timeout", `nothing within ${ms} ms; got: ${buffer}`);
    const { value, done } = chunk as ReadableStreamReadResult<Uint8Array>;
    return done ? undefined : decoder.decode(value, { stream: true });
  };
  return {
    /** The next `data:` payload, waiting at most `ms`. */
    async next(ms = 10_000): Promise<Payload> {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = /^data: (.+)$/m.exec(buffer);
        if (match && match[1] !== "") {
          buffer = buffer.slice(match.index + match[0].length);
          return JSON.parse(match[1]!) as Payload;
        }
        const chunk = await read(Math.max(1, deadline - Date.now()));
        assert.notEqual(chunk, undefined, "the stream ended");
        buffer += chunk;
      }
    },
    /** What the stream sends until it ends (within `ms`), after the payloads already read. */
    async rest(ms = 10_000): Promise<string> {
      const deadline = Date.now() + ms;
      for (let chunk = await read(ms); chunk !== undefined; chunk = await read(Math.max(1, deadline - Date.now()))) {
        buffer += chunk;
        assert.ok(Date.now() < deadline, `the stream did not end within ${ms} ms; got: ${buffer}`);
      }
      return buffer;
    },
    /** Goes away as a client does: the server sees the stream cancelled. */
    close: () => {
      controller.abort();
      void reader.cancel().catch(() => {});
    },
  };
}

/**
 * Opens a subscription over a real socket from `localAddress` (any 127.x.y.z: the server sees it as the client's
 * address); resolves with the status and the first `data:` payload, keeping the stream open until `close`. `ended`
 * resolves with everything the stream sent once its connection closes.
 */
function subscribeOverHttp(url: string, query: string, variables: Record<string, unknown>, localAddress: string) {
  return new Promise<{ status: number; first: Payload; ended: Promise<string>; close(): void }>((resolve, reject) => {
    const body = JSON.stringify({ query, variables });
    const outgoing = request(
      `${url}/graphql`,
      {
        method: "POST",
        localAddress,
        agent: false,
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        timeout: 10_000,
      },
      (response) => {
        let buffer = "";
        let resolved = false;
        // On `close`: also when the connection is cut rather than the stream ended.
        const ended = new Promise<string>((end) => response.once("close", () => end(buffer)));
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          buffer += chunk;
          const match = /^data: (.+)$/m.exec(buffer);
          if (match && !resolved) {
            resolved = true;
            outgoing.setTimeout(0);
            resolve({
              status: response.statusCode!,
              first: JSON.parse(match[1]!) as Payload,
              ended,
              close: () => outgoing.destroy(),
            });
          }
        });
        response.on("end", () => reject(new Error(`the stream ended before a payload: ${buffer}`)));
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error("no payload within 10 s")));
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/**
 * A store that records the statements run through it (directly, and inside snapshots and transactions), to see what
 * the subscriptions read.
 */
function countingStore(store: Store): { store: Store; statements: string[] } {
  const statements: string[] = [];
  const counting = (sql: Sql): Sql => ({
    query: <Row>(text: string, params?: readonly unknown[]) => {
      statements.push(text);
      return sql.query<Row>(text, params);
    },
    exec: (text) => sql.exec(text),
  });
  return {
    store: {
      ...store,
      ...counting(store),
      snapshot: (fn) => store.snapshot((sql) => fn(counting(sql))),
      transaction: (fn) => store.transaction((sql) => fn(counting(sql))),
    },
    statements,
  };
}

/** Polls `check` every 10 ms until it holds, for at most `timeoutMs`. */
async function eventually(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

/** A model's payments and an account's claimable balances, the two kinds of subscription, on `api`. */
function subscribeToBoth(api: Api, model: string, account: string) {
  return Promise.all([subscribe(api, PAYMENTS, { m: model }), subscribe(api, BALANCES, { a: account })]);
}

for (const kind of ["pglite", "postgres"] as StoreKind[]) {
  describe(`GraphQL API: subscriptions over SSE (${kind})`, function () {
    let scenario: Scenario;
    let store: Store;
    let databaseUrl: string | undefined;
    let dispose: () => Promise<void>;
    let api: Api;

    const paidModel = () => scenario.world.models.find((m) => m.sets[0])!;
    const indexed = () => indexAll(scenario, store);

    before(async function () {
      scenario = await startScenario(61, 6);
      const fresh = await freshStore(kind);
      ({ store, dispose } = fresh);
      databaseUrl = "databaseUrl" in fresh.options ? fresh.options.databaseUrl : undefined;
      await indexed();
      api = createApi({ store, abi: ledgerAbi });
    });

    after(async function () {
      await api?.dispose();
      await dispose?.();
      await scenario?.stop();
    });

    it("reports a payment into a model once it is indexed, and an account's balances changing", async function () {
      const model = paidModel();
      const [payments, balances] = await subscribeToBoth(api, model.id, model.sets[0]![0]!.account);
      try {
        const initial = (await balances.next()) as { data: { claimableChanged: unknown[] } };
        await pay(scenario.world, model, scenario.d.tokens[0]!, parseEther("2"));
        await indexed();
        const payment = (await payments.next()) as { data: { paymentReceived: { amount: string; payer: string } } };
        assert.equal(payment.data.paymentReceived.amount, parseEther("2").toString());
        assert.equal(payment.data.paymentReceived.payer, getAddress(scenario.d.accounts[2]!));
        const changed = (await balances.next()) as { data: { claimableChanged: { claimable: string }[] } };
        assert.notDeepEqual(changed.data.claimableChanged, initial.data.claimableChanged);
      } finally {
        payments.close();
        balances.close();
      }
    });

    it("reports a new registration", async function () {
      const registrations = await subscribe(api, REGISTRATIONS);
      try {
        await scenario.d.wallets[0]!.writeContract({
          address: scenario.d.registry.address,
          abi: scenario.d.registryAbi,
          functionName: "registerPlaceholder",
          args: [`hf:example/new-base-model-${kind}`],
          account: scenario.d.wallets[0]!.account!,
          chain: scenario.d.wallets[0]!.chain,
        });
        await indexed();
        assert.deepEqual((await registrations.next()).data?.modelRegistered, {
          key: `hf:example/new-base-model-${kind}`,
          placeholder: true,
        });
      } finally {
        registrations.close();
      }
    });

    it("serves many subscribers of one model from one read per commit, and each gets the payment", async function () {
      const counting = countingStore(store);
      const feed = await createCommitFeed({ store });
      let commits = 0;
      feed.follow({ onCommit: () => commits++ });
      const hub = createSubscriptionHub({ store: counting.store, abi: ledgerAbi, feed });
      const shared = createApi({ store: counting.store, abi: ledgerAbi, subscriptions: hub });
      const model = paidModel();
      const other = scenario.world.models.find((m) => m !== model)!;
      const account = model.sets[0]![0]!.account;
      const opened = await Promise.all([
        ...Array.from({ length: 40 }, () => subscribe(shared, PAYMENTS, { m: model.id })),
        ...Array.from({ length: 10 }, () => subscribe(shared, PAYMENTS, { m: other.id })),
        ...Array.from({ length: 10 }, () => subscribe(shared, BALANCES, { a: account })),
        ...Array.from({ length: 10 }, () => subscribe(shared, REGISTRATIONS)),
      ]);
      const [ofModel, balances] = [opened.slice(0, 40), opened.slice(50, 60)];
      try {
        for (const subscription of balances) await subscription.next(); // balances now
        assert.deepEqual(hub.stats(), { subscriptions: 70, clients: 1, models: 2, accounts: 1, registrations: 10 });
        const [reads, before] = [commits, counting.statements.length];
        await pay(scenario.world, model, scenario.d.tokens[0]!, parseEther("3"));
        await indexed();
        for (const subscription of ofModel) {
          const payment = await subscription.next();
          assert.deepEqual(payment.data?.paymentReceived, {
            amount: parseEther("3").toString(),
            payer: getAddress(scenario.d.accounts[2]!),
            token: getAddress(scenario.d.tokens[0]!.address),
          });
        }
        for (const subscription of balances) await subscription.next();
        const during = counting.statements.slice(before);
        const announced = commits - reads;
        assert.ok(announced >= 1, "the commit was announced");
        // Per commit at most one read of the events (for both models and the registrations) and one of the
        // balances: 70 subscribers, not 70 reads.
        const events = during.filter((text) => /FROM ledger_events/.test(text)).length;
        const accounts = during.filter((text) => /FROM account_balances/.test(text)).length;
        assert.ok(events >= 1 && events <= announced, `${events} reads of ledger_events for ${announced} commits`);
        assert.ok(accounts >= 1 && accounts <= announced, `${accounts} reads of balances for ${announced} commits`);
      } finally {
        for (const subscription of opened) subscription.close();
        await shared.dispose();
        await feed.close();
      }
    });

    it("refuses subscriptions past the per-client and total limits with SUBSCRIPTION_LIMIT", async function () {
      const hub = createSubscriptionHub({ store, abi: ledgerAbi, maxSubscriptions: 3, maxSubscriptionsPerClient: 2 });
      const server: Server = createApiServer({ store, abi: ledgerAbi, subscriptions: hub });
      const url = await listenLocally(server);
      const account = paidModel().sets[0]![0]!.account;
      const open = (from: string) => subscribeOverHttp(url, BALANCES, { a: account }, from);
      const held: { close(): void }[] = [];
      try {
        const admitted = async (from: string) => {
          const ok = await open(from);
          held.push(ok);
          assert.equal(ok.status, 200);
          assert.ok(Array.isArray(ok.first.data?.claimableChanged), JSON.stringify(ok.first));
        };
        const refused = async (from: string, message: RegExp) => {
          const answer = await open(from);
          answer.close();
          assert.equal(answer.status, 429);
          assert.equal(answer.first.errors?.[0]?.extensions?.code, "SUBSCRIPTION_LIMIT");
          assert.match(answer.first.errors![0]!.message, message);
          assert.doesNotMatch(JSON.stringify(answer.first), /"http"/);
        };
        await admitted("127.0.0.1");
        await admitted("127.0.0.1");
        await refused("127.0.0.1", /your address already holds 2, its limit.*--max-subscriptions-per-client N/);
        await admitted("127.0.0.2");
        const metrics = await (await fetch(`${url}/metrics`)).text();
        assert.match(metrics, /^stemma_api_subscriptions 3$/m);
        assert.match(metrics, /^stemma_api_subscription_clients 2$/m);
        await refused("127.0.0.3", /this server already holds 3, its limit.*--max-subscriptions N/);

        // A subscription that ends frees its place.
        held.shift()!.close();
        await eventually(() => hub.stats().subscriptions === 2, "the server sees the client leave");
        const again = await open("127.0.0.1");
        held.push(again);
        assert.equal(again.status, 200);
      } finally {
        for (const subscription of held) subscription.close();
        await hub.close();
        server.closeAllConnections();
        await closeServer(server);
      }
    });

    it("ends its subscriptions cleanly when the API is disposed, then reads nothing, and logs nothing", async function () {
      const model = paidModel();
      const counting = countingStore(store);
      const disposable = createApi({ store: counting.store, abi: ledgerAbi });
      const output = captureConsole();
      try {
        const [payments, balances] = await subscribeToBoth(disposable, model.id, model.sets[0]![0]!.account);
        const registrations = await subscribe(disposable, REGISTRATIONS);
        await balances.next();
        await disposable.dispose();
        for (const subscription of [payments, balances, registrations])
          assert.match(await subscription.rest(), /event: complete\ndata:\n\n$/);
        const statements = counting.statements.length;
        await pay(scenario.world, model, scenario.d.tokens[0]!, parseEther("1"));
        await indexed();
        await sleep(200);
        assert.equal(counting.statements.length, statements, "the disposed API still reads the store");
      } finally {
        output.restore();
      }
      assert.deepEqual(output.printed, []);
    });

    it("ends every stream when startApi stops, so that stopping need not wait for them", async function () {
      const warnings: string[] = [];
      const logger: Logger = {
        debug() {},
        info() {},
        warn: (m) => void warnings.push(m),
        error: (m) => void warnings.push(m),
      };
      const started = await startApi({ store, port: 0, logger });
      const balances = await subscribeOverHttp(
        started.url,
        BALANCES,
        { a: paidModel().sets[0]![0]!.account },
        "127.0.0.1",
      );
      try {
        assert.ok(Array.isArray(balances.first.data?.claimableChanged));
        await started.stop();
        // Cut after `drainMs` instead, the stream would end without its `complete` event.
        assert.match(await balances.ended, /event: complete\ndata:\n\n$/);
        assert.deepEqual(warnings, []);
      } finally {
        balances.close();
        await started.stop();
      }
    });

    it("tells a client its subscription ended when the store closes under it, and logs nothing", async function () {
      const closing = await freshStore(kind);
      const counting = countingStore(closing.store);
      const orphaned = createApi({ store: counting.store, abi: ledgerAbi });
      const output = captureConsole();
      try {
        const [payments, balances] = await subscribeToBoth(
          orphaned,
          scenario.world.models[0]!.id,
          scenario.d.accounts[2]!,
        );
        assert.deepEqual(await balances.next(), { data: { claimableChanged: [] } });
        await closing.store.close();
        for (const subscription of [payments, balances]) {
          const ended = await subscription.next();
          assert.deepEqual(
            ended.errors?.map((e) => e.extensions?.code),
            ["STORE_UNAVAILABLE"],
            JSON.stringify(ended),
          );
          assert.doesNotMatch(JSON.stringify(ended), /pglite|closed|stack|\.ts/i);
          assert.match(await subscription.rest(), /event: complete\ndata:\n\n$/);
        }
        const statements = counting.statements.length;
        await sleep(200);
        assert.equal(counting.statements.length, statements, "the hub still reads the closed store");
      } finally {
        output.restore();
        await orphaned.dispose();
        await closing.dispose();
      }
      assert.deepEqual(output.printed, []);
    });

    if (kind === "postgres") {
      it("loses no event while its listening connection is broken", async function () {
        const feed = await createCommitFeed({ store });
        const hub = createSubscriptionHub({ store, abi: ledgerAbi, feed });
        const deaf = createApi({ store, abi: ledgerAbi, subscriptions: hub });
        const model = paidModel();
        const payments = await subscribe(deaf, PAYMENTS, { m: model.id });
        try {
          await terminateListeners(databaseUrl!);
          await eventually(() => !feed.listening(), "the feed notices its broken connection");
          await pay(scenario.world, model, scenario.d.tokens[0]!, 4_321n);
          await indexed();
          assert.equal(amountOf(await payments.next()), "4321");
          await eventually(() => feed.listening(), "the feed listens again");
          await pay(scenario.world, model, scenario.d.tokens[0]!, 4_322n);
          await indexed();
          assert.equal(amountOf(await payments.next()), "4322");
        } finally {
          payments.close();
          await deaf.dispose();
          await feed.close();
        }
      });
    }

    // Last: the chain is reverted under the scenario's own bookkeeping.
    it("reports the new chain's payments after a reorg replaced the block of one it reported", async function () {
      const model = paidModel();
      // Two hubs: the API's own, which reads after each commit (the rollback's too), and one that reads only when
      // told, so that it first reads after the new chain was indexed past the block it had read up to.
      const late = manualFeed();
      const lateHub = createSubscriptionHub({ store, abi: ledgerAbi, feed: late });
      const lateApi = createApi({ store, abi: ledgerAbi, subscriptions: lateHub });
      const subscribers = [
        await subscribe(api, PAYMENTS, { m: model.id }),
        await subscribe(lateApi, PAYMENTS, { m: model.id }),
      ];
      const rpc = (method: string, params: unknown[] = []) =>
        scenario.d.publicClient.request({ method, params } as never) as Promise<unknown>;
      const payEth = (amount: bigint) =>
        send(
          scenario.d,
          PAYER,
          scenario.d.router.address,
          scenario.d.routerAbi,
          "pay",
          [model.id, NATIVE_TOKEN, amount],
          amount,
        );
      try {
        const snapshot = await rpc("evm_snapshot");
        await payEth(1_001n);
        await indexed();
        late.commit();
        for (const payments of subscribers) assert.equal(amountOf(await payments.next()), "1001");
        await rpc("evm_revert", [snapshot]);
        // The same block number and log index, on the new chain.
        await payEth(2_002n);
        await payEth(3_003n);
        await indexed();
        late.commit();
        for (const payments of subscribers) {
          assert.equal(amountOf(await payments.next()), "2002");
          assert.equal(amountOf(await payments.next()), "3003");
        }
      } finally {
        for (const payments of subscribers) payments.close();
        await lateApi.dispose();
      }
    });
  });
}

/** A commit feed that announces a commit only when told (`commit()`), whatever the indexer did meanwhile. */
function manualFeed(): CommitFeed & { commit(): void } {
  const followers = new Set<CommitFeedHandlers>();
  return {
    follow(handlers) {
      followers.add(handlers);
      return () => followers.delete(handlers);
    },
    listening: () => true,
    close: async () => followers.clear(),
    commit: () => followers.forEach((follower) => follower.onCommit()),
  };
}

/** Breaks the replicas' listening connections, as a PostgreSQL restart or a network cut would. */
async function terminateListeners(databaseUrl: string) {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stemma listener' AND datname = current_database()",
    );
    assert.ok(rowCount! >= 1);
  } finally {
    await admin.end();
  }
}
