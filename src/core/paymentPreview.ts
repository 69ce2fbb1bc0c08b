/**
 * What a payment would change once everything has propagated, computed from the ledger's state without copying it
 * (the engine's `previewPay`, behind the API's `simulateRevenue`), in two steps:
 *
 * - {@link settledTotals}: per token, the lifetime totals the models would have once every model that can propagate
 *   (all but the provisional) has pushed its pending upstream; only the models whose totals that changes. One pass
 *   over the models, children first. The engine keeps it per token until its next event.
 * - {@link paymentChanges}: one payment followed up the paid model's lineage on top of those totals. A model reached
 *   gains on its lifetime `received`; its parents gain the growth of their {@link splitTree} parts of its upstream;
 *   its current epoch gains the growth of its kept amount, and each entry of the epoch the growth of its slice. A
 *   middle entry's slice of a growing total can shrink by a wei (SPEC "Cumulative slice"): such a change is negative.
 *
 * Together they give the same integers as applying the payment to a copy of the whole ledger and propagating
 * everything (test/core/ledger.test.ts checks it on random walks, test/property/ against the chain), at the cost of
 * the models the payment reaches.
 */
import type { Address, Hex } from "viem";

import { MAX_LIFETIME_AMOUNT, PPM } from "./constants.js";
import { InvalidAmountError } from "./errors.js";
import { isSweepOnly, type LedgerState, type ModelState } from "./ledgerState.js";
import { keptOf, splitTree, upstreamOf } from "./splitMath.js";

/** A model's lifetime `received` and `pushed` in one token. */
export type LifetimeTotals = { readonly received: bigint; readonly pushed: bigint };

/** Per model, its lifetime totals in one token once everything is propagated; models it does not change are absent. */
export type SettledTotals = ReadonlyMap<Hex, LifetimeTotals>;

/** What a payment changes in the owed breakdown (`Ledger.owed`), once everything is propagated; no zero entries. */
export type PaymentChanges = {
  /** Signed: a middle contributor's slice can shrink by a wei as its epoch's total grows. */
  accounts: Map<Address, bigint>;
  escrow: Map<Hex, bigint>;
  heldUpstream: Map<Hex, bigint>;
};

const NOTHING: LifetimeTotals = { received: 0n, pushed: 0n };

const totalsOf = (model: ModelState, token: Address, settled: SettledTotals): LifetimeTotals =>
  settled.get(model.id) ?? model.tokens.get(token) ?? NOTHING;

/**
 * What each parent of `model` gets when its lifetime pushed upstream goes from `pushed` to `upstream`: the growth of
 * its {@link splitTree} part (RevenueRouter `_parentShares`), in edge order.
 */
export function parentParts(model: ModelState, pushed: bigint, upstream: bigint): bigint[] {
  if (model.parents.length === 0) return [];
  const weights = model.parents.map(({ weightPpm }) => BigInt(weightPpm));
  const now = splitTree(upstream, weights);
  const before = splitTree(pushed, weights);
  return now.map((part, i) => part - before[i]!);
}

/**
 * The lifetime totals in `token` of the models that propagating everything would change (the ledger's
 * `owedAfterFullPropagation` state). One pass in reverse registration order suffices: a model's parents are
 * registered before it, so every push into a model happens before the model itself is visited.
 */
export function settledTotals(state: LedgerState, token: Address): SettledTotals {
  const settled = new Map<Hex, LifetimeTotals>();
  for (let i = state.order.length - 1; i >= 0; i--) {
    const model = state.models.get(state.order[i]!)!;
    if (model.provisional) continue;
    const { received, pushed } = totalsOf(model, token, settled);
    const upstream = upstreamOf(received, BigInt(model.upstreamPpm));
    if (upstream === pushed) continue;
    const parts = parentParts(model, pushed, upstream);
    settled.set(model.id, { received, pushed: upstream });
    model.parents.forEach((edge, k) => {
      if (parts[k] === 0n) return;
      const parent = state.models.get(edge.parentId)!;
      const before = totalsOf(parent, token, settled);
      settled.set(parent.id, { received: before.received + parts[k]!, pushed: before.pushed });
    });
  }
  return settled;
}

/** `model` and every model above it, children before parents (descending registration index). */
function lineageChildrenFirst(state: LedgerState, model: ModelState): ModelState[] {
  const lineage = new Map<Hex, ModelState>([[model.id, model]]);
  const stack = [model];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    for (const edge of next.parents) {
      if (lineage.has(edge.parentId)) continue;
      const parent = state.models.get(edge.parentId)!;
      lineage.set(parent.id, parent);
      stack.push(parent);
    }
  }
  return [...lineage.values()].sort((a, b) => b.index - a.index);
}

/**
 * What `net` arriving at `paid` in `token` changes once everything is propagated, against `settled` (the
 * {@link settledTotals} of `state` in `token`). The changes add up to `net` exactly.
 *
 * @throws {InvalidAmountError} when propagating the payment would take a model's lifetime total above the router's
 * 112-bit cap (the router would refuse that propagation).
 */
export function paymentChanges(
  state: LedgerState,
  settled: SettledTotals,
  paid: ModelState,
  token: Address,
  net: bigint,
): PaymentChanges {
  const changes: PaymentChanges = { accounts: new Map(), escrow: new Map(), heldUpstream: new Map() };
  const add = <K>(map: Map<K, bigint>, key: K, amount: bigint): void => {
    if (amount !== 0n) map.set(key, (map.get(key) ?? 0n) + amount);
  };
  const arriving = new Map<Hex, bigint>([[paid.id, net]]);
  for (const model of lineageChildrenFirst(state, paid)) {
    const growth = arriving.get(model.id) ?? 0n;
    if (growth === 0n) continue;
    const before = totalsOf(model, token, settled);
    const received = before.received + growth;
    if (received > MAX_LIFETIME_AMOUNT)
      throw new InvalidAmountError({
        name: "payment",
        value: net,
        reason: `propagating it would take model ${model.id}'s lifetime total to ${received}, above the router's 112-bit cap ${MAX_LIFETIME_AMOUNT}`,
      });
    const upstreamPpm = BigInt(model.upstreamPpm);
    const upstreamBefore = upstreamOf(before.received, upstreamPpm);
    const upstream = upstreamOf(received, upstreamPpm);
    // A provisional model holds its upstream; any other pushes it all.
    const pushed = model.provisional ? before.pushed : upstream;
    add(changes.heldUpstream, model.id, upstream - pushed - (upstreamBefore - before.pushed));
    parentParts(model, before.pushed, pushed).forEach((part, k) => add(arriving, model.parents[k]!.parentId, part));

    // Every arrival counts in the current epoch: its kept amount once settled, then with the payment.
    const keptGrowth = keptOf(received, upstreamPpm) - keptOf(before.received, upstreamPpm);
    if (keptGrowth === 0n) continue;
    const tree = model.epochs.get(model.epoch)?.tree ?? null;
    if (tree === null || model.provisional) {
      add(changes.escrow, model.id, keptGrowth);
      continue;
    }
    const now = model.tokens.get(token);
    const keptBefore =
      (now?.keptInEpoch.get(model.epoch) ?? 0n) +
      keptOf(before.received, upstreamPpm) -
      keptOf(now?.received ?? 0n, upstreamPpm);
    const keptAfter = keptBefore + keptGrowth;
    const sweeper = isSweepOnly(model, model.epoch) ? model.beneficiary : null;
    // Entry i's slice of K is floor(K * C_i / PPM) - floor(K * C_(i-1) / PPM) over the running weight sums C
    // (splitMath's sliceOf): each running floor is computed once, before and after.
    let floorBefore = 0n;
    let floorAfter = 0n;
    for (const entry of tree.entries) {
      const through = BigInt(entry.cumulativeBefore + entry.weightPpm);
      const nextBefore = (keptBefore * through) / PPM;
      const nextAfter = (keptAfter * through) / PPM;
      add(changes.accounts, sweeper ?? entry.account, nextAfter - floorAfter - (nextBefore - floorBefore));
      floorBefore = nextBefore;
      floorAfter = nextAfter;
    }
  }
  // An account's entries can cancel out.
  for (const [account, amount] of changes.accounts) if (amount === 0n) changes.accounts.delete(account);
  return changes;
}
