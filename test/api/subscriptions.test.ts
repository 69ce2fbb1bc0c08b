/**
 * Subscriptions over Server-Sent Events: a payment into a model, a new registration and an account's balances,
 * each reported once the indexer commits it.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";

import { getAddress, parseEther } from "viem";

import { createApi } from "../../src/api/createApi.js";
import { SUBSCRIPTION_POLL_MS } from "../../src/api/subscriptions.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { Store } from "../../src/store/types.js";
import { captureConsole } from "../helpers/console.js";
import { pay } from "../property/world.js";
import { freshStore, indexAll, startScenario, type Scenario } from "../indexer/scenario.js";

/** Opens a subscription over SSE and returns a reader of its `next` payloads, and a way to close it. */
async function subscribe(api: ReturnType<typeof createApi>, query: string, variables: Record<string, unknown>) {
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
    async next(ms = 10_000): Promise<Record<string, unknown>> {
      const deadline = Date.now() + ms;
      for (;;) {
        const match = /^data: (.+)$/m.exec(buffer);
        if (match && match[1] !== "") {
          buffer = buffer.slice(match.index + match[0].length);
          return JSON.parse(match[1]!) as Record<string, unknown>;
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

/** Fails with `message` when the store is queried during the next five poll intervals. */
async function expectNoMoreQueries(counting: { queries(): number }, message: string) {
  const queries = counting.queries();
  await delay(SUBSCRIPTION_POLL_MS * 5);
  assert.equal(counting.queries(), queries, message);
}

/** A model's payments and an account's claimable balances, the two kinds of subscription, on `api`. */
function subscribeToBoth(api: ReturnType<typeof createApi>, model: string, account: string) {
  return Promise.all([
    subscribe(api, "subscription ($m: Bytes32!) { paymentReceived(model: $m) { amount } }", { m: model }),
    subscribe(api, "subscription ($a: Address!) { claimableChanged(account: $a) { claimable } }", { a: account }),
  ]);
}

/** A store that counts the queries run through it, to see a subscription's poller stop. */
function countingStore(store: Store): { store: Store; queries(): number } {
  let queries = 0;
  const counting: Store = {
    ...store,
    query: <Row>(text: string, params?: readonly unknown[]) => {
      queries++;
      return store.query<Row>(text, params);
    },
  };
  return { store: counting, queries: () => queries };
}

describe("GraphQL API: subscriptions over SSE", function () {
  let scenario: Scenario;
  let store: Store;
  let dispose: () => Promise<void>;
  let api: ReturnType<typeof createApi>;

  before(async function () {
    scenario = await startScenario(61, 6);
    ({ store, dispose } = await freshStore("pglite"));
    await indexAll(scenario, store);
    api = createApi({ store, abi: ledgerAbi });
  });

  after(async function () {
    await api?.dispose();
    await dispose?.();
    await scenario?.stop();
  });

  it("reports a payment into a model once it is indexed, and an account's balances changing", async function () {
    const model = scenario.world.models.find((m) => m.sets[0])!;
    const account = model.sets[0]![0]!.account;
    const payments = await subscribe(
      api,
      "subscription ($m: Bytes32!) { paymentReceived(model: $m) { amount payer token } }",
      { m: model.id },
    );
    const balances = await subscribe(
      api,
      "subscription ($a: Address!) { claimableChanged(account: $a) { token claimable } }",
      { a: account },
    );
    try {
      const initial = (await balances.next()) as { data: { claimableChanged: unknown[] } };
      await pay(scenario.world, model, scenario.d.tokens[0]!, parseEther("2"));
      await indexAll(scenario, store);
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
    const registrations = await subscribe(api, "subscription { modelRegistered { key placeholder } }", {});
    try {
      await scenario.d.wallets[0]!.writeContract({
        address: scenario.d.registry.address,
        abi: scenario.d.registryAbi,
        functionName: "registerPlaceholder",
        args: ["hf:example/new-base-model"],
        account: scenario.d.wallets[0]!.account!,
        chain: scenario.d.wallets[0]!.chain,
      });
      await indexAll(scenario, store);
      const event = (await registrations.next()) as {
        data: { modelRegistered: { key: string; placeholder: boolean } };
      };
      assert.deepEqual(event.data.modelRegistered, { key: "hf:example/new-base-model", placeholder: true });
    } finally {
      registrations.close();
    }
  });

  it("ends its subscriptions cleanly when the API is disposed: pollers stop, nothing is logged", async function () {
    const model = scenario.world.models.find((m) => m.sets[0])!;
    const counting = countingStore(store);
    const disposable = createApi({ store: counting.store, abi: ledgerAbi });
    const output = captureConsole();
    try {
      const [payments, balances] = await subscribeToBoth(disposable, model.id, model.sets[0]![0]!.account);
      await balances.next();
      await disposable.dispose();
      assert.match(await payments.rest(), /event: complete\ndata:\n\n$/);
      assert.match(await balances.rest(), /event: complete\ndata:\n\n$/);
      await expectNoMoreQueries(counting, "the pollers still query the store");
    } finally {
      output.restore();
    }
    assert.deepEqual(output.printed, []);
  });

  it("tells a client its subscription ended when the store closes under it, and logs nothing", async function () {
    const closing = await freshStore("pglite");
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
        const ended = (await subscription.next()) as { errors?: { message: string; extensions?: { code?: string } }[] };
        assert.deepEqual(
          ended.errors?.map((e) => e.extensions?.code),
          ["STORE_UNAVAILABLE"],
          JSON.stringify(ended),
        );
        assert.doesNotMatch(JSON.stringify(ended), /pglite|closed|stack|\.ts/i);
        assert.match(await subscription.rest(), /event: complete\ndata:\n\n$/);
      }
      await expectNoMoreQueries(counting, "the pollers still query the closed store");
    } finally {
      output.restore();
      await orphaned.dispose();
      await closing.dispose();
    }
    assert.deepEqual(output.printed, []);
  });
});
