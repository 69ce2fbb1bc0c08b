/**
 * `simulateRevenue` and `effectiveShares` against the chain's truth: simulate a payment through the API, then make
 * it on chain and propagate everything; every account's change (a loss of a wei too) and every escrow's growth must
 * equal the simulation to the wei.
 */
import assert from "node:assert/strict";

import { getAddress, parseEther, type Address, type Hex } from "viem";

import { MAX_LIFETIME_AMOUNT, NATIVE_TOKEN, Role } from "../../src/core/constants.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import { modelId } from "../../src/core/modelId.js";
import { feeOf } from "../../src/core/splitMath.js";
import { createLedgerReplica } from "../../src/api/createLedgerReplica.js";
import { ledgerAbi } from "../../src/contracts/abis.js";
import type { Store } from "../../src/store/types.js";
import { type Api, indexedApi, queryApi } from "../helpers/api.js";
import { CONTRIBUTORS, PAYER, STEWARDS, send } from "../property/harness.js";
import { specSlice } from "../property/mirror.js";
import { Rng } from "../property/rng.js";
import { pay, registerLineage, type ModelRecord } from "../property/world.js";
import { startScenario, type Scenario } from "../indexer/scenario.js";

const SIMULATE = `query ($model: Bytes32!, $token: Address!, $amount: BigInt!) {
  simulateRevenue(model: $model, token: $token, amount: $amount) {
    fee net accounts { account amount } escrow { model amount } heldUpstream { model amount }
  }
}`;

type Simulation = {
  fee: string;
  net: string;
  accounts: { account: Address; amount: string }[];
  escrow: { model: Hex; amount: string }[];
  heldUpstream: { model: Hex; amount: string }[];
};

describe("GraphQL API: simulateRevenue and effectiveShares", function () {
  let scenario: Scenario;
  let store: Store;
  let dispose: () => Promise<void>;
  let api: Api;
  /** A root model whose contributors weigh 30/10/60% and whose kept total ends in 3 (see before()). */
  let middle: ModelRecord;

  const query = (text: string, variables?: Record<string, unknown>) => queryApi(api, text, variables);

  async function simulate(model: Hex, token: Address, amount: bigint): Promise<Simulation> {
    const { data, errors } = await query(SIMULATE, { model, token, amount: amount.toString() });
    assert.equal(errors, undefined, JSON.stringify(errors));
    return data!.simulateRevenue as Simulation;
  }

  /** Propagates every model with parents, children first, until nothing is pending on chain. */
  async function propagateEverything() {
    const { d, world } = scenario;
    const movable = [...world.models].reverse().filter((m) => m.parents.length > 0);
    for (let round = 0; round < 10; round++) {
      let pending = 0n;
      for (const m of movable) pending += (await d.router.read.pendingUpstream([m.id, NATIVE_TOKEN])) as bigint;
      if (pending === 0n) return;
      const steps = movable.map((m) => ({ modelId: m.id, token: NATIVE_TOKEN, parents: m.parents }));
      for (let i = 0; i < steps.length; i += 40) {
        await send(d, PAYER, d.router.address, d.routerAbi, "propagateBatch", [steps.slice(i, i + 40)]);
      }
    }
    throw new Error("upstream still pending after 10 rounds");
  }

  /**
   * What every account is owed on chain in ETH, from the router's own figures: each entry's SPEC slice of its
   * epoch's kept total (`keptInEpoch`) less what it claimed. (`claimable()` pays the floor of a share while an epoch
   * is open, up to a wei less per entry; the slice is what the entry is owed.) And every placeholder's escrow.
   */
  async function chainOwed() {
    const { d, world } = scenario;
    const accounts = new Map<Address, bigint>();
    const escrow = new Map<Hex, bigint>();
    for (const m of world.models) {
      const rows = await store.query<{ epoch: number; account: Address; role: number; weight_ppm: number }>(
        "SELECT epoch, account, role, weight_ppm FROM contributors WHERE model_id = $1 ORDER BY epoch, position",
        [m.id],
      );
      if (rows.length === 0) {
        escrow.set(m.id, (await d.router.read.keptInEpoch([m.id, NATIVE_TOKEN, 0])) as bigint);
        continue;
      }
      const tree = contributorTree(
        rows.map((r) => ({ account: getAddress(r.account), role: r.role, weightPpm: r.weight_ppm })),
      );
      const kept = (await d.router.read.keptInEpoch([m.id, NATIVE_TOKEN, 0])) as bigint;
      for (const entry of tree.entries) {
        const claimed = (await d.router.read.claimed([m.id, NATIVE_TOKEN, 0, entry.cumulativeBefore])) as bigint;
        const owed = specSlice(kept, entry.cumulativeBefore, entry.weightPpm) - claimed;
        accounts.set(entry.account, (accounts.get(entry.account) ?? 0n) + owed);
      }
    }
    return { accounts, escrow };
  }

  before(async function () {
    // Payments only: no disputes or new epochs, so every model's set is epoch 0 and claimable() is what is owed.
    scenario = await startScenario(41, 10);
    const { d, world } = scenario;
    // Weights 30/10/60%: a kept total of 3 (mod 10) gives the middle entry one wei more than a total of 4 (mod 10) does
    // (docs/SPEC.md "Cumulative slice"). It has no parents: a payment into it changes its own entries alone.
    const key = "hf:stemma-test/middle-contributor";
    const contributors = [300_000, 100_000, 600_000].map((weightPpm, i) => ({
      account: d.accounts[CONTRIBUTORS[CONTRIBUTORS.length - 1 - i]!]!,
      role: Role.OTHER,
      weightPpm,
    }));
    [middle] = await registerLineage(d, [
      {
        key,
        id: modelId(key),
        depth: 1,
        placeholder: false,
        steward: STEWARDS[0]!,
        upstreamPpm: 0,
        parents: [],
        terms: { derivativesAllowed: true, minDerivativePpm: 0 },
        contributors,
        registration: "plain",
        withChild: false,
      },
    ]);
    world.models.push(middle!);
    // Near the 112-bit cap in TD18, before the ETH payments: the rollback test below drops the last payment's block and
    // expects ETH fees to fall.
    await pay(world, middle!, d.tokens[1]!, MAX_LIFETIME_AMOUNT);
    const feePpm = BigInt((await d.router.read.feePpm()) as number);
    let amount = 1_000n;
    while ((amount - feeOf(amount, feePpm)) % 10n !== 3n) amount++;
    await pay(world, middle!, d.tokens[0]!, amount);
    for (const m of scenario.world.models.slice(0, 6)) {
      await pay(scenario.world, m, scenario.d.tokens[0]!, parseEther("1") + 3n);
    }
    await propagateEverything();
    ({ store, api, dispose } = await indexedApi(scenario));
  });

  after(async function () {
    await dispose?.();
    await scenario?.stop();
  });

  /** Pays on chain, propagates everything and checks every account's change and escrow's growth against `simulation`. */
  async function expectChainAgrees(model: ModelRecord, amount: bigint, simulation: Simulation) {
    const before = await chainOwed();
    await pay(scenario.world, model, scenario.d.tokens[0]!, amount);
    await propagateEverything();
    const after = await chainOwed();
    const changes = new Map<string, string>();
    for (const account of new Set([...before.accounts.keys(), ...after.accounts.keys()])) {
      const change = (after.accounts.get(account) ?? 0n) - (before.accounts.get(account) ?? 0n);
      if (change !== 0n) changes.set(account, change.toString());
    }
    assert.deepEqual(changes, new Map(simulation.accounts.map((a) => [a.account, a.amount])));
    for (const { model: id, amount: grown } of simulation.escrow) {
      assert.equal((after.escrow.get(id) ?? 0n) - (before.escrow.get(id) ?? 0n), BigInt(grown));
    }
    assert.deepEqual(simulation.heldUpstream, []);
  }

  it("predicts every account's and escrow's change to the wei; the chain agrees after paying and propagating", async function () {
    const deepest = [...scenario.world.models].sort((a, b) => b.plan.depth - a.plan.depth)[0]!;
    const amount = 10n ** 18n + 12_345n;
    const simulation = await simulate(deepest.id, NATIVE_TOKEN, amount);
    const parts = [...simulation.accounts, ...simulation.escrow, ...simulation.heldUpstream];
    assert.equal(
      parts.reduce((sum, p) => sum + BigInt(p.amount), 0n),
      BigInt(simulation.net),
    );
    assert.equal(BigInt(simulation.fee) + BigInt(simulation.net), amount);
    assert.ok(simulation.accounts.length > 1);
    await expectChainAgrees(deepest, amount, simulation);
  });

  it("reports a middle contributor's one-wei loss as -1: the changes add up to net and the chain agrees", async function () {
    // 2 wei pay a fee of 1 (rounded up) and bring 1: the kept total goes from 3 to 4 (mod 10).
    const simulation = await simulate(middle.id, NATIVE_TOKEN, 2n);
    assert.equal(simulation.net, "1");
    const kept = (await scenario.d.router.read.keptInEpoch([middle.id, NATIVE_TOKEN, 0])) as bigint;
    assert.equal(kept % 10n, 3n);
    const expected = middle.trees[0]!.entries.map((e) => ({
      account: e.account,
      amount: (
        specSlice(kept + 1n, e.cumulativeBefore, e.weightPpm) - specSlice(kept, e.cumulativeBefore, e.weightPpm)
      ).toString(),
    }));
    assert.deepEqual(
      expected.map((e) => e.amount),
      ["1", "-1", "1"],
    );
    // Largest first (equal amounts by address), so the loss comes last.
    const order = (a: { account: string; amount: string }, b: { account: string; amount: string }) =>
      a.amount !== b.amount
        ? Number(BigInt(b.amount) - BigInt(a.amount))
        : a.account.toLowerCase() < b.account.toLowerCase()
          ? -1
          : 1;
    assert.deepEqual(simulation.accounts, expected.sort(order));
    assert.deepEqual([simulation.escrow, simulation.heldUpstream], [[], []]);
    await expectChainAgrees(middle, 2n, simulation);
  });

  it("lists every change of random payments once, largest first, adding up to net exactly", async function () {
    const rng = new Rng(14);
    for (let i = 0; i < 40; i++) {
      const model = rng.pick(scenario.world.models);
      const amount = rng.amount();
      const simulation = await simulate(model.id, NATIVE_TOKEN, amount);
      const what = `paying ${amount} to ${model.id}`;
      assert.equal(BigInt(simulation.fee) + BigInt(simulation.net), amount, what);
      const lists = [simulation.accounts, simulation.escrow, simulation.heldUpstream];
      const amounts = lists.map((list) => list.map((change) => BigInt(change.amount)));
      assert.equal(
        amounts.flat().reduce((a, b) => a + b, 0n),
        BigInt(simulation.net),
        what,
      );
      for (const list of amounts) {
        assert.ok(!list.includes(0n), `${what}: a zero change listed`);
        assert.ok(
          list.every((x, k) => k === 0 || list[k - 1]! >= x),
          `${what}: not largest first`,
        );
      }
      assert.equal(new Set(simulation.accounts.map((a) => a.account)).size, simulation.accounts.length, what);
    }
  });

  it("gives effective shares as exact fractions that sum to one, and the ppm next to them", async function () {
    const deepest = [...scenario.world.models].sort((a, b) => b.plan.depth - a.plan.depth)[0]!;
    const shares = await allShares(query, deepest.id, 100);
    // The end points (everything but "ancestor", which says how much reaches a model) add up to exactly 1.
    let n = 0n;
    let d = 1n;
    for (const s of shares.filter((x) => x.kind !== "ancestor")) {
      n = n * BigInt(s.denominator) + BigInt(s.numerator) * d;
      d *= BigInt(s.denominator);
    }
    assert.equal(n, d);
    for (const s of shares) assert.equal(BigInt(s.ppm), (BigInt(s.numerator) * 1_000_000n) / BigInt(s.denominator));
    assert.ok(shares.some((s) => s.kind === "ancestor") === deepest.parents.length > 0);
  });

  it("pages effective shares largest first with their total count, and leaves out those under minPpm", async function () {
    const deepest = [...scenario.world.models].sort((a, b) => b.plan.depth - a.plan.depth)[0]!;
    const whole = await allShares(query, deepest.id, 100);
    const paged = await allShares(query, deepest.id, 3);
    assert.ok(whole.length > 3, `the deepest model has ${whole.length} shares: too few to page`);
    // Small pages walk the same list as one large page: same rows, same order, none twice.
    assert.deepEqual(paged, whole);
    const order = (s: Share) => [-s.ppm, s.kind, s.party, s.role ?? ""].join("|");
    for (let i = 1; i < whole.length; i++) {
      assert.ok(whole[i - 1]!.ppm >= whole[i]!.ppm, "largest share first");
      assert.notEqual(order(whole[i - 1]!), order(whole[i]!));
    }
    const minPpm = whole[Math.floor(whole.length / 2)]!.ppm;
    const { data } = await query(
      "query ($model: Bytes32!, $minPpm: Int!) { effectiveShares(model: $model, minPpm: $minPpm) { totalCount edges { node { ppm } } } }",
      { model: deepest.id, minPpm },
    );
    const big = data!.effectiveShares as { totalCount: number; edges: { node: { ppm: number } }[] };
    assert.equal(big.totalCount, whole.filter((s) => s.ppm >= minPpm).length);
    assert.deepEqual(
      big.edges.map((e) => e.node.ppm),
      whole.filter((s) => s.ppm >= minPpm).map((s) => s.ppm),
    );
    for (const [args, message] of [
      [{ first: 101 }, /first must be between 1 and 100/],
      [{ first: 1, after: "bm90IGEgY3Vyc29y" }, /is not a cursor of effectiveShares/],
      [{ first: 1, minPpm: -1 }, /minPpm must be between 0 and 1000000/],
    ] as const) {
      const { errors } = await query(
        "query ($model: Bytes32!, $first: Int, $after: String, $minPpm: Int) { effectiveShares(model: $model, first: $first, after: $after, minPpm: $minPpm) { totalCount } }",
        { model: deepest.id, minPpm: 0, ...args },
      );
      assert.equal(errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
      assert.match(errors![0]!.message, message);
    }
  });

  it("answers a bad simulation with BAD_USER_INPUT: zero amount, 2^112 or more, past the cap, unknown model or token", async function () {
    const model = scenario.world.models[0]!.id;
    const max = MAX_LIFETIME_AMOUNT.toString();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ model, token: NATIVE_TOKEN, amount: "0" }, /amount must be positive/],
      [
        { model, token: NATIVE_TOKEN, amount: (2n ** 112n).toString() },
        /below 2\^112, at most 5192296858534827628530496329220095/,
      ],
      [{ model: middle.id, token: scenario.d.tokens[1]!.address, amount: max }, /would have received .* 112-bit cap/],
      [{ model: `0x${"ab".repeat(32)}`, token: NATIVE_TOKEN, amount: "1" }, /No model has id/],
      [{ model, token: `0x${"12".repeat(20)}`, amount: "1" }, /has never been paid into Stemma/],
      [{ model, token: NATIVE_TOKEN, amount: "-5" }, /not a non-negative integer/],
    ];
    for (const [variables, message] of cases) {
      const { errors } = await query(
        "query ($model: Bytes32!, $token: Address!, $amount: BigInt!) { simulateRevenue(model: $model, token: $token, amount: $amount) { net } }",
        variables,
      );
      assert.equal(errors?.[0]?.extensions?.code, "BAD_USER_INPUT", JSON.stringify(errors));
      assert.match(errors![0]!.message, message);
    }
    // The largest payment the router takes.
    assert.equal(BigInt((await simulate(model, NATIVE_TOKEN, MAX_LIFETIME_AMOUNT)).net) > 0n, true);
  });

  // Last: it deletes events from the shared store, as the indexer's rollback does.
  it("rebuilds the engine replica when the indexer rolls back events it had applied", async function () {
    const abi = ledgerAbi;
    const replica = createLedgerReplica(store, abi);
    const before = await replica.current();
    const feesBefore = before.fees(NATIVE_TOKEN);
    const [paid] = await store.query<{ block_number: string }>(
      "SELECT max(block_number) AS block_number FROM ledger_events WHERE event_type = 'Paid'",
    );
    await store.query("DELETE FROM ledger_events WHERE block_number >= $1", [paid!.block_number]);
    const after = await replica.current();
    assert.notEqual(after, before, "the replica kept the engine that had seen the dropped events");
    const fresh = await createLedgerReplica(store, abi).current();
    const owed = (ledger: typeof after) =>
      JSON.stringify(ledger.owed(NATIVE_TOKEN), (_k, v) =>
        typeof v === "bigint" ? v.toString() : v instanceof Map ? [...v] : v,
      );
    assert.equal(owed(after), owed(fresh));
    assert.ok(after.fees(NATIVE_TOKEN) < feesBefore);
  });
});

type Share = { kind: string; party: string; role: string | null; numerator: string; denominator: string; ppm: number };

type Query = (text: string, variables?: Record<string, unknown>) => ReturnType<typeof queryApi>;

/** Every effective share of `model`, read in pages of `first`, checking each page's count and cursors. */
async function allShares(query: Query, model: string, first: number): Promise<Share[]> {
  const shares: Share[] = [];
  let after: string | null = null;
  for (;;) {
    const { data, errors } = await query(
      `query ($model: Bytes32!, $first: Int!, $after: String) {
        effectiveShares(model: $model, first: $first, after: $after) {
          totalCount edges { cursor node { kind party role numerator denominator ppm } } pageInfo { hasNextPage endCursor }
        }
      }`,
      { model, first, after },
    );
    assert.equal(errors, undefined, JSON.stringify(errors));
    const page = data!.effectiveShares as {
      totalCount: number;
      edges: { cursor: string; node: Share }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    shares.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) {
      assert.equal(shares.length, page.totalCount);
      return shares;
    }
    assert.equal(page.edges.length, first);
    after = page.pageInfo.endCursor;
  }
}
