/**
 * Property test: the TypeScript engine (src/core/ledger.ts), fed only with the registry's and the router's decoded
 * logs, computes the same integers as the contracts, to the wei, on random lineages and random action sequences.
 *
 * Each seed deploys a router (random fee) and a registry (one attester, a guardian), two TestTokens (18 and 6
 * decimals) next to ETH, registers a random lineage (15-25 models, placeholders made by governance or with a child,
 * registrations plain, provisional (the admin opens a provisional window for them) or verified by attestation,
 * merges of up to 4 parents, depth up to 8, upstream shares including 0 and PPM, parents' minimum shares met at the
 * boundary), then runs 60-120 random actions: payments (1 wei to 1e30, rounding-edge amounts), single and batched
 * propagation, claims and claims to another recipient (via the engine's claimableEntries and proofs), new
 * contributor epochs, placeholder assignment, verifications, claims of a model by a verified steward (with and
 * without lineage correction), provisional windows ended after a time warp, fee changes and withdrawals, disputes
 * (raised with the doubling bond, dismissed by governance or the guardian, upheld with a beneficiary, upheld by a
 * reassignment), replaced beneficiaries, sweeps, and claims/propagations that must revert.
 *
 * After every action the engine is synced from the new logs (decodeLedgerLogs) and compared with the router's views
 * (mirror.ts): per model and token modelBalance, pendingUpstream, keptInEpoch of every epoch, roots, status; per
 * entry claimable and claimed; per account the engine's claimable = the sum of router.claimable over its entries
 * the router would pay now; fees; the engine's `owed` breakdown; conservation (router balance = totalOwed). Light
 * checks cover the tokens the action touched; every FULL_EVERY actions and after global actions (new epochs,
 * disputes, fee changes) they cover all tokens and re-read every claimable.
 *
 * At the end the engine's owedAfterFullPropagation is computed first, then everything is propagated on chain
 * (children first, until nothing propagatable is pending) and the chain must match the prediction to the wei
 * (SPEC invariant 3). A random payment previewed with the engine's previewPay before that propagation is then made
 * and propagated: what the chain owes each account, escrow and held amount must change exactly as previewed (a
 * contributor's loss of a wei included). Then every account claims, beneficiaries sweep and the treasury withdraws,
 * and what is left must be exactly the frozen, escrowed and held amounts; finally a ledger rebuilt from all logs at
 * once must equal the incrementally fed one.
 *
 * A second test per seed checks batching invariance (SPEC invariant 2): two deployments get the same lineage and
 * payments within one contributor epoch; A propagates (and claims) at random points in random groupings and orders,
 * B only once at the end, in one batch. Every entry's entitlement (claimed + claimable) must be identical.
 *
 * Replay or widen: STEMMA_SEED=<n>[,<n>...] or STEMMA_SEED=random; STEMMA_STEPS=<n> fixes the number of actions;
 * STEMMA_CHECK_EVERY=<n> checks every n actions only (default 1); STEMMA_TRACE=1 prints the lineage and each action.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Address } from "viem";

import { ModelStatus } from "../../src/core/constants.js";
import { contributorClaim } from "../../src/core/contributorClaim.js";
import { contributorTree } from "../../src/core/contributorTree.js";
import type { OwedBreakdown, PaymentPreview } from "../../src/core/ledger.js";
import {
  ADMIN,
  PAYER,
  TREASURY,
  deploy,
  readMany,
  rebuildLedger,
  send,
  sync,
  type Deployment,
  type Token,
} from "./harness.js";
import { type ClaimableCache, chainOwed, checkMirror, entryKey, expectSameBreakdown, readChain } from "./mirror.js";
import { Rng, seedsFromEnv } from "./rng.js";
import {
  allEntries,
  pay,
  planLineage,
  randomAction,
  randomContributors,
  registerLineage,
  runAction,
  tryClaim,
  type ModelRecord,
  type World,
} from "./world.js";

const connection = await network.create();

const SEEDS = seedsFromEnv([1, 2, 3, 4]);
const FIXED_STEPS = process.env.STEMMA_STEPS ? Number(process.env.STEMMA_STEPS) : null;
if (FIXED_STEPS !== null && !(Number.isSafeInteger(FIXED_STEPS) && FIXED_STEPS >= 0))
  throw new Error(`STEMMA_STEPS: "${process.env.STEMMA_STEPS}" is not a non-negative integer`);
const CHECK_EVERY = Math.max(1, Number(process.env.STEMMA_CHECK_EVERY ?? 1));
const TRACE = process.env.STEMMA_TRACE === "1";
/** Every this many actions (and after global actions) the check covers all tokens and re-reads every claimable. */
const FULL_EVERY = 5;
const DISPUTE_BOND = 10n ** 15n;
const ZERO_ROOT = `0x${"0".repeat(64)}`;

const log = (line: string): void => {
  if (TRACE) console.log(`      ${line}`);
};

/** Runs `body`, prefixing any failure with the seed and the last actions, so that it can be replayed. */
async function withReplayInfo(seed: number, trace: () => readonly string[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const recent = trace().slice(-12);
    const header =
      `seed ${seed} (replay: STEMMA_SEED=${seed} npx hardhat test mocha test/property/engineMatchesChain.test.ts)` +
      `\n  after ${trace().length} actions; last ones:\n${recent.map((l, i) => `    ${trace().length - recent.length + i}: ${l}`).join("\n")}\n`;
    if (error instanceof Error) error.message = `${header}${error.message}`;
    throw error;
  }
}

/** Reads pendingUpstream of every (model, token) on chain. */
async function readPending(d: Deployment, models: readonly ModelRecord[]): Promise<Map<string, bigint>> {
  const pairs = models.flatMap((m) => d.tokens.map((t) => ({ m, t })));
  const values = await readMany(
    d,
    pairs.map(({ m, t }) => ({
      address: d.router.address,
      abi: d.routerAbi,
      functionName: "pendingUpstream",
      args: [m.id, t.address],
    })),
  );
  return new Map(pairs.map(({ m, t }, i) => [`${m.id}:${t.address}`, values[i] as bigint]));
}

const propagationStep = (m: ModelRecord, t: Token) => ({ modelId: m.id, token: t.address, parents: m.parents });

/**
 * Propagates everything that can move on chain: every model with parents that is not provisional (disputed and
 * revoked ones too), children before parents (reverse registration order), in batches; repeats until no
 * propagatable model has pending upstream.
 */
async function propagateEverything(d: Deployment, models: readonly ModelRecord[], maxPerBatch = 45): Promise<number> {
  const movable = [...models].reverse().filter((m) => !m.provisional && m.parents.length > 0);
  let transactions = 0;
  for (let round = 0; ; round++) {
    const pending = await readPending(d, movable);
    const left = [...pending.values()].filter((v) => v !== 0n).length;
    if (left === 0) return transactions;
    expect(round, `still ${left} pending upstream amounts after ${round} rounds`).to.be.lessThan(3);
    const steps = movable.flatMap((m) => d.tokens.map((t) => propagationStep(m, t)));
    for (let i = 0; i < steps.length; i += maxPerBatch) {
      await send(d, PAYER, d.router.address, d.routerAbi, "propagateBatch", [steps.slice(i, i + maxPerBatch)]);
      transactions++;
    }
    await sync(d);
  }
}

/**
 * A random payment and its preview: of 20 drawn (small amounts half the time), the first that costs an account a wei
 * (the case signed changes are for), or else the first.
 */
function previewedPayment({ d, rng, models }: World) {
  const drawn = Array.from({ length: 20 }, () => {
    const payment = {
      model: rng.pick(models),
      token: rng.pick(d.tokens),
      amount: rng.chance(0.5) ? BigInt(rng.range(1, 60)) : rng.amount(),
    };
    return { payment, preview: d.ledger.previewPay(payment.model.id, payment.token.address, payment.amount) };
  });
  return drawn.find(({ preview }) => [...preview.accounts.values()].some((change) => change < 0n)) ?? drawn[0]!;
}

/** The chain's owed breakdown went from `before` to `after` exactly as `preview` says, part by part. */
function expectChanges(before: OwedBreakdown, after: OwedBreakdown, preview: PaymentPreview, where: string): void {
  const changes = <K>(from: ReadonlyMap<K, bigint>, to: ReadonlyMap<K, bigint>) => {
    const out = new Map<K, bigint>();
    for (const key of new Set([...from.keys(), ...to.keys()])) {
      const change = (to.get(key) ?? 0n) - (from.get(key) ?? 0n);
      if (change !== 0n) out.set(key, change);
    }
    return out;
  };
  expect(preview.accounts, `${where}: accounts`).to.deep.equal(changes(before.accounts, after.accounts));
  expect(preview.escrow, `${where}: escrow`).to.deep.equal(changes(before.escrow, after.escrow));
  expect(preview.heldUpstream, `${where}: heldUpstream`).to.deep.equal(
    changes(before.heldUpstream, after.heldUpstream),
  );
  expect(after.fees - before.fees, `${where}: fee`).to.equal(preview.fee);
  const parts = [...preview.accounts.values(), ...preview.escrow.values(), ...preview.heldUpstream.values()];
  expect(
    parts.reduce((a, b) => a + b, 0n),
    `${where}: the changes add up to net`,
  ).to.equal(preview.net);
}

/** Every account claims everything, beneficiaries sweep everything, the treasury withdraws all fees. */
async function drainEverything(w: World): Promise<void> {
  const { d } = w;
  for (const [index, account] of d.accounts.entries())
    for (const token of d.tokens) {
      const entries = d.ledger.claimableEntries(account, token.address);
      if (entries.length === 0) continue;
      const claims = entries.map(contributorClaim);
      await send(d, index, d.router.address, d.routerAbi, "claim", [token.address, claims]);
      await sync(d);
    }
  for (const model of w.models.filter((m) => m.status === ModelStatus.REVOKED))
    for (const token of d.tokens) {
      const sweepable = d.ledger.sweepable(model.id, token.address)!;
      for (const e of sweepable.entries)
        await send(d, PAYER, d.router.address, d.routerAbi, "sweepContributor", [token.address, contributorClaim(e)]);
      await sync(d);
    }
  for (const token of d.tokens) {
    const fees = d.ledger.fees(token.address);
    if (fees > 0n)
      await send(d, TREASURY, d.router.address, d.routerAbi, "withdrawFees", [
        token.address,
        d.accounts[TREASURY]!,
        fees,
      ]);
  }
  await sync(d);
}

/** The engine rebuilt from all logs at once equals the engine fed incrementally. */
async function expectRebuildEqual(d: Deployment, models: readonly ModelRecord[]): Promise<void> {
  const rebuilt = await rebuildLedger(d);
  for (const token of d.tokens) {
    expectSameBreakdown(
      rebuilt.owed(token.address),
      d.ledger.owed(token.address),
      `rebuilt vs incremental ${token.symbol}`,
    );
    expectSameBreakdown(
      rebuilt.owedAfterFullPropagation(token.address),
      d.ledger.owedAfterFullPropagation(token.address),
      `rebuilt vs incremental, after full propagation, ${token.symbol}`,
    );
    for (const model of models)
      expect(rebuilt.modelBalance(model.id, token.address), `rebuilt modelBalance m${model.index}`).to.deep.equal(
        d.ledger.modelBalance(model.id, token.address),
      );
  }
  expect(rebuilt.feePpm()).to.equal(d.ledger.feePpm());
}

async function runEngineMatchesChain(seed: number, trace: string[]): Promise<void> {
  const rng = new Rng(seed);
  const feePpm = rng.pick([0, 100_000, rng.range(0, 100_000), rng.range(0, 100_000)]);
  const d = await deploy(connection, { label: `seed ${seed}`, feePpm, disputeBond: DISPUTE_BOND });
  const plans = planLineage(rng, {
    seedLabel: `s${seed}`,
    count: rng.range(15, 25),
    accounts: d.accounts,
    trust: true,
  });
  const models = await registerLineage(d, plans);
  const w: World = { d, rng, models, disputes: [], trace, touched: new Set() };
  const cache: ClaimableCache = new Map();
  log(
    `fee ${feePpm} ppm; ${models.length} models (${plans.filter((p) => p.placeholder).length} placeholders, ` +
      `max depth ${Math.max(...plans.map((p) => p.depth))}, ${plans.filter((p) => p.parents.length > 1).length} merges)`,
  );
  for (const p of plans)
    log(
      `  m${plans.indexOf(p)} ${p.placeholder ? "placeholder" : `u=${p.upstreamPpm} min=${p.terms.minDerivativePpm}${p.terms.derivativesAllowed ? "" : " no-derivatives"} ${p.contributors!.length} contributors`}` +
        (p.parents.length
          ? ` <- ${p.parents.map((e) => `m${plans.findIndex((q) => q.id === e.parentId)}:${e.weightPpm}`).join(",")}`
          : ""),
    );
  await checkMirror(d, models, "after registration");

  const steps = FIXED_STEPS ?? rng.range(60, 120);
  for (let i = 0; i < steps; i++) {
    const line = await randomAction(w);
    log(`${i}: ${line}`);
    if ((i + 1) % CHECK_EVERY !== 0 && i !== steps - 1) continue;
    // The tokens the action touched (all of them after a global action); every FULL_EVERY actions, everything.
    const full = (i + 1) % FULL_EVERY === 0 || i === steps - 1 || w.touched.size === d.tokens.length;
    const tokens = full ? d.tokens : d.tokens.filter((t) => w.touched.has(t.address));
    await checkMirror(d, models, `action ${i} (${line})`, { tokens, cache, fresh: (i + 1) % FULL_EVERY === 0 });
    w.touched.clear();
  }

  // Invariant 3, second half: predict first, then propagate everything on chain. A payment is previewed now and made
  // after the propagation: full propagation does not change what it previews.
  const predicted = new Map<Address, OwedBreakdown>(
    d.tokens.map((t) => [t.address, d.ledger.owedAfterFullPropagation(t.address)]),
  );
  const { payment, preview } = previewedPayment(w);
  const transactions = await propagateEverything(d, models);
  trace.push(`propagate everything (${transactions} batches)`);
  const view = await checkMirror(d, models, "after full propagation");
  for (const token of d.tokens)
    expectSameBreakdown(
      predicted.get(token.address)!,
      chainOwed(view, models, token.address),
      `prediction (owedAfterFullPropagation) vs chain after full propagation, ${token.symbol}`,
    );
  trace.push(await pay(w, payment.model, payment.token, payment.amount));
  await sync(d);
  trace.push(`propagate everything (${await propagateEverything(d, models)} batches)`);
  const paid = await checkMirror(d, models, "after the previewed payment, propagated");
  expectChanges(
    chainOwed(view, models, payment.token.address),
    chainOwed(paid, models, payment.token.address),
    preview,
    `previewPay(m${payment.model.index}, ${payment.amount} ${payment.token.symbol}) vs chain`,
  );

  await drainEverything(w);
  trace.push("claim, sweep and withdraw everything");
  const drained = await checkMirror(d, models, "after draining");
  for (const token of d.tokens) {
    for (const account of d.accounts)
      expect(d.ledger.claimable(account, token.address), `claimable(${account}) after draining`).to.equal(0n);
    // What is left is held by a pending dispute, escrowed, held by a provisional model, or rounding that waits for its
    // epoch to close (at most one wei per entry, checked by checkMirror): exactly the router's balance.
    const left = chainOwed(drained, models, token.address);
    expect(left.fees, `fees left ${token.symbol}`).to.equal(0n);
    expect(left.total, `router balance vs what is owed, ${token.symbol}`).to.equal(
      drained.tokens.get(token.address)!.balance,
    );
    for (const id of left.heldUpstream.keys())
      expect(models.find((m) => m.id === id)!.provisional, `held upstream of ${id}: only while provisional`).to.equal(
        true,
      );
    // SPEC: an upheld dispute routes the held funds to the beneficiary, and every wei ends up owed to someone.
    for (const model of models.filter((m) => m.status === ModelStatus.REVOKED))
      expect(
        left.escrow.get(model.id) ?? 0n,
        `m${model.index} (revoked) still holds ${token.symbol} escrow that no call can pay out`,
      ).to.equal(0n);
  }
  await expectRebuildEqual(d, models);
  log(`ledger events applied: ${d.applied}`);
}

/** Entitlement of every entry in every token: claimed + claimable (what the entry is owed in total). */
async function entitlements(d: Deployment, models: readonly ModelRecord[]): Promise<Map<string, bigint>> {
  const view = await readChain(d, models);
  const out = new Map<string, bigint>();
  for (const token of d.tokens) {
    const t = view.tokens.get(token.address)!;
    for (const ref of allEntries(models)) {
      const key = entryKey(ref.model.id, ref.epoch, ref.entry.cumulativeBefore);
      out.set(`${key}:${token.symbol}`, t.claimed.get(key)! + t.claimable.get(key)!);
    }
    for (const model of models) {
      const b = t.balances.get(model.id)!;
      out.set(`${model.id}:received:${token.symbol}`, b.received);
      out.set(`${model.id}:pushed:${token.symbol}`, b.pushed);
      out.set(`${model.id}:kept0:${token.symbol}`, t.kept.get(`${model.id}:0`)!);
      if (view.roots.get(`${model.id}:0`) === ZERO_ROOT) out.set(`${model.id}:escrow:${token.symbol}`, b.kept);
    }
    out.set(`fees:${token.symbol}`, t.fees);
  }
  return out;
}

async function runBatchingInvariance(seed: number, trace: string[]): Promise<void> {
  const rng = new Rng(seed ^ 0x5ba7c4);
  const feePpm = rng.range(0, 100_000);
  const a = await deploy(connection, { label: `seed ${seed} A`, feePpm, disputeBond: DISPUTE_BOND });
  const b = await deploy(connection, { label: `seed ${seed} B`, feePpm, disputeBond: DISPUTE_BOND });
  const plans = planLineage(rng, { seedLabel: `b${seed}`, count: rng.range(12, 20), accounts: a.accounts });
  const modelsA = await registerLineage(a, plans);
  const modelsB = await registerLineage(b, plans);
  const wa: World = { d: a, rng: new Rng(seed ^ 0xa11ce), models: modelsA, disputes: [], trace, touched: new Set() };
  const wb: World = { d: b, rng: new Rng(seed ^ 0xb0b), models: modelsB, disputes: [], trace: [], touched: new Set() };

  // The same payments (and fee changes, placeholder assignments) in both, in the same order.
  const payments = rng.range(30, 60);
  for (let i = 0; i < payments; i++) {
    if (rng.chance(0.05)) {
      const fee = rng.range(0, 100_000);
      for (const d of [a, b]) await send(d, ADMIN, d.router.address, d.routerAbi, "setFee", [fee]);
      trace.push(`setFee ${fee} (both)`);
    }
    const unassigned = modelsA.filter((m) => m.steward === null);
    if (unassigned.length > 0 && rng.chance(0.05)) {
      const m = rng.pick(unassigned);
      const set = randomContributors(rng, a.accounts);
      const steward = rng.range(4, 19);
      for (const d of [a, b])
        await send(d, ADMIN, d.registry.address, d.registryAbi, "assignPlaceholder", [m.id, d.accounts[steward]!, set]);
      for (const ms of [modelsA, modelsB]) {
        const record = ms[m.index]!;
        record.sets[0] = set;
        record.trees[0] = contributorTree(set);
        record.steward = steward;
        record.provisional = false;
      }
      trace.push(`assignPlaceholder m${m.index} (both)`);
    }
    const index = rng.int(plans.length);
    const token = rng.int(3);
    const amount = rng.amount();
    trace.push(await pay(wa, modelsA[index]!, a.tokens[token]!, amount));
    await pay(wb, modelsB[index]!, b.tokens[token]!, amount);
    await sync(a);
    // A alone propagates (and claims) in between, in random groupings and orders.
    if (wa.rng.chance(0.35)) {
      trace.push(await runAction(wa, wa.rng.pick(["propagate", "propagateBatch", "propagateBatch"])));
      await sync(a);
    }
    if (wa.rng.chance(0.1)) {
      const claimed = await tryClaim(wa, wa.rng.pick(a.tokens));
      if (claimed !== null) trace.push(claimed);
      await sync(a);
    }
  }
  await sync(a);
  await sync(b);
  await checkMirror(a, modelsA, "A before the end");
  await checkMirror(b, modelsB, "B before the end");
  const predictedA = new Map(a.tokens.map((t) => [t.address, a.ledger.owedAfterFullPropagation(t.address)]));
  const predictedB = new Map(b.tokens.map((t) => [t.address, b.ledger.owedAfterFullPropagation(t.address)]));

  // B: one batch, children before parents, every model and token.
  const stepsB = [...modelsB]
    .reverse()
    .filter((m) => m.parents.length > 0)
    .flatMap((m) => b.tokens.map((t) => propagationStep(m, t)));
  await send(b, PAYER, b.router.address, b.routerAbi, "propagateBatch", [stepsB]);
  await sync(b);
  trace.push(`B: one propagateBatch of ${stepsB.length} steps`);
  const leftB = [
    ...(
      await readPending(
        b,
        modelsB.filter((m) => m.parents.length > 0),
      )
    ).values(),
  ].filter((v) => v > 0n);
  expect(leftB.length, "B: one children-first batch leaves nothing pending").to.equal(0);

  // A: random single propagations in random order until nothing is pending.
  for (let round = 0; round < 40; round++) {
    const pending = await readPending(a, modelsA);
    const open = modelsA.flatMap((m) =>
      a.tokens.filter((t) => pending.get(`${m.id}:${t.address}`)! > 0n).map((t) => ({ m, t })),
    );
    if (open.length === 0) break;
    const chosen = wa.rng.subset(open, 1, 6);
    if (wa.rng.chance(0.5))
      await send(a, PAYER, a.router.address, a.routerAbi, "propagateBatch", [
        chosen.map(({ m, t }) => propagationStep(m, t)),
      ]);
    else
      for (const { m, t } of chosen)
        await send(a, PAYER, a.router.address, a.routerAbi, "propagate", [m.id, t.address, m.parents]);
    expect(round, "A: random propagation should finish").to.be.lessThan(39);
  }
  await sync(a);
  trace.push("A: random propagation until nothing is pending");

  const viewA = await checkMirror(a, modelsA, "A after full propagation");
  const viewB = await checkMirror(b, modelsB, "B after full propagation");
  for (const token of a.tokens)
    expectSameBreakdown(
      predictedA.get(token.address)!,
      chainOwed(viewA, modelsA, token.address),
      `A prediction ${token.symbol}`,
    );
  for (const token of b.tokens)
    expectSameBreakdown(
      predictedB.get(token.address)!,
      chainOwed(viewB, modelsB, token.address),
      `B prediction ${token.symbol}`,
    );
  // Same ids in both (same keys), token addresses differ: compare by symbol.
  const [ea, eb] = await Promise.all([entitlements(a, modelsA), entitlements(b, modelsB)]);
  expect(ea.size).to.equal(eb.size);
  for (const [key, value] of ea)
    expect(value, `entitlement ${key}: A (random groupings) vs B (one batch)`).to.equal(eb.get(key));
}

describe("property: the engine equals the chain, to the wei", function () {
  for (const seed of SEEDS) {
    it(`seed ${seed}: random lineage and actions, mirror after every action, full-propagation prediction`, async function () {
      const trace: string[] = [];
      await withReplayInfo(
        seed,
        () => trace,
        () => runEngineMatchesChain(seed, trace),
      );
    });
    it(`seed ${seed}: batching invariance (random groupings vs one batch at the end)`, async function () {
      const trace: string[] = [];
      await withReplayInfo(
        seed,
        () => trace,
        () => runBatchingInvariance(seed, trace),
      );
    });
  }
});
