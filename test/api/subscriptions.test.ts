/**
 * Subscriptions over Server-Sent Events: a payment into a model, a new registration and an account's balances,
 * each reported once the indexer commits it.
 */
import assert from "node:assert/strict";

import { getAddress, parseEther } from "viem";

import { createApi } from "../../src/api/createApi.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { Store } from "../../src/store/types.js";
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
        assert.ok(Date.now() < deadline, `no event within ${ms} ms; got: ${buffer}`);
        const { value, done } = await reader.read();
        assert.equal(done, false, "the stream ended");
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
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
});
