/**
 * The mirror check (SPEC invariants 1 and 3): reads every figure the router exposes for every model, epoch, entry,
 * account and token in a few batched `eth_call`s (batchReader.ts), and asserts that the engine (fed only with decoded
 * logs) computes the same integers, and that the router holds exactly what it owes.
 */
import { expect } from "chai";
import type { Address, Hex } from "viem";

import { ModelStatus, NATIVE_TOKEN, ZERO_ADDRESS } from "../../src/core/constants.js";
import type { OwedBreakdown } from "../../src/core/ledger.js";
import type { ModelBalance } from "../../src/core/types.js";
import { readMany, type Call, type Deployment, type Token } from "./harness.js";
import { allEntries, claimArg, type EntryRef, type ModelRecord } from "./world.js";

type Flow = { upstreamPpm: number; epoch: number; revokedEpoch: number; status: number; provisional: boolean };

type Identity = { verified: boolean; provisionalUntil: number };

type TokenView = {
  fees: bigint;
  /** The router's balance (ETH: getBalance; ERC-20: balanceOf). */
  balance: bigint;
  balances: Map<Hex, ModelBalance>;
  pending: Map<Hex, bigint>;
  /** keptInEpoch by `${id}:${epoch}`. */
  kept: Map<string, bigint>;
  /** claimable and claimed by `${id}:${epoch}:${cumulativeBefore}`. */
  claimable: Map<string, bigint>;
  claimed: Map<string, bigint>;
};

/** Everything the chain shows, as of one block. */
export type ChainView = {
  flows: Map<Hex, Flow>;
  identities: Map<Hex, Identity>;
  beneficiaries: Map<Hex, Address>;
  roots: Map<string, Hex>;
  tokens: Map<Address, TokenView>;
  entries: EntryRef[];
};

const PPM = 1_000_000n;
const ZERO_ROOT: Hex = `0x${"0".repeat(64)}`;

export const entryKey = (id: Hex, epoch: number, cumulativeBefore: number): string =>
  `${id}:${epoch}:${cumulativeBefore}`;
const refKey = (ref: EntryRef): string => entryKey(ref.model.id, ref.epoch, ref.entry.cumulativeBefore);

/**
 * The router's `claimable(entry)` is a pure function of the entry's epoch root, `keptInEpoch(model, token, epoch)`,
 * `claimed(entry)`, whether the epoch is still the model's current one and whether a claim of it is refused now
 * (RevenueRouter `_entitlement`/`claimable` read nothing else that can change), and it is by far the most expensive
 * view (a Merkle proof each). The cache remembers, per token and entry, the `claimable` read together with those
 * inputs; a light check re-reads `claimable` only where the chain shows a different input. A fresh read ignores the
 * cache.
 */
export type ClaimableCache = Map<
  Address,
  Map<string, { root: Hex; kept: bigint; claimed: bigint; current: boolean; refused: boolean; claimable: bigint }>
>;

export type ReadOptions = {
  /** The tokens to read (default: all of the deployment's). */
  tokens?: readonly Token[];
  /** Reuse `claimable` values whose inputs did not change (see {ClaimableCache}); refreshed with what is read. */
  cache?: ClaimableCache;
  /** Read every `claimable` even if cached (the cache is still refreshed). @default false */
  fresh?: boolean;
};

type Batch = { calls: Call[]; slots: ((value: unknown) => void)[] };

async function run(d: Deployment, batch: Batch): Promise<void> {
  const results = await readMany(d, batch.calls);
  results.forEach((value, i) => batch.slots[i]!(value));
}

/** Reads the chain's view of every model, epoch and entry the test knows of, in the given tokens. */
export async function readChain(
  d: Deployment,
  models: readonly ModelRecord[],
  options: ReadOptions = {},
): Promise<ChainView> {
  const entries = allEntries(models);
  const tokens = options.tokens ?? d.tokens;
  const first: Batch = { calls: [], slots: [] };
  const router = (batch: Batch, functionName: string, args: readonly unknown[], into: (value: unknown) => void) => {
    batch.calls.push({ address: d.router.address, abi: d.routerAbi, functionName, args });
    batch.slots.push(into);
  };
  const view: ChainView = {
    flows: new Map(),
    identities: new Map(),
    beneficiaries: new Map(),
    roots: new Map(),
    tokens: new Map(),
    entries,
  };
  for (const model of models) {
    router(first, "flow", [model.id], (v) => view.flows.set(model.id, v as Flow));
    first.calls.push({ address: d.registry.address, abi: d.registryAbi, functionName: "identity", args: [model.id] });
    first.slots.push((v) => view.identities.set(model.id, v as Identity));
    router(first, "beneficiary", [model.id], (v) => view.beneficiaries.set(model.id, v as Address));
    for (let epoch = 0; epoch < model.sets.length; epoch++)
      router(first, "epochRoot", [model.id, epoch], (v) => view.roots.set(`${model.id}:${epoch}`, v as Hex));
  }
  for (const token of tokens) {
    const t: TokenView = {
      fees: 0n,
      balance: 0n,
      balances: new Map(),
      pending: new Map(),
      kept: new Map(),
      claimable: new Map(),
      claimed: new Map(),
    };
    view.tokens.set(token.address, t);
    router(first, "fees", [token.address], (v) => (t.fees = v as bigint));
    if (token.address !== NATIVE_TOKEN) {
      first.calls.push({
        address: token.address,
        abi: d.erc20Abi,
        functionName: "balanceOf",
        args: [d.router.address],
      });
      first.slots.push((v) => (t.balance = v as bigint));
    }
    for (const model of models) {
      router(first, "modelBalance", [model.id, token.address], (v) => t.balances.set(model.id, v as ModelBalance));
      router(first, "pendingUpstream", [model.id, token.address], (v) => t.pending.set(model.id, v as bigint));
      for (let epoch = 0; epoch < model.sets.length; epoch++)
        router(first, "keptInEpoch", [model.id, token.address, epoch], (v) =>
          t.kept.set(`${model.id}:${epoch}`, v as bigint),
        );
    }
    for (const ref of entries)
      router(first, "claimed", [ref.model.id, token.address, ref.epoch, ref.entry.cumulativeBefore], (v) =>
        t.claimed.set(refKey(ref), v as bigint),
      );
  }
  const [, ethBalance] = await Promise.all([run(d, first), d.publicClient.getBalance({ address: d.router.address })]);
  const eth = view.tokens.get(NATIVE_TOKEN);
  if (eth !== undefined) eth.balance = ethBalance;

  const second: Batch = { calls: [], slots: [] };
  for (const token of tokens) {
    const t = view.tokens.get(token.address)!;
    let cached = options.cache?.get(token.address);
    if (options.cache !== undefined && cached === undefined) {
      cached = new Map();
      options.cache.set(token.address, cached);
    }
    for (const ref of entries) {
      const key = refKey(ref);
      const kept = t.kept.get(`${ref.model.id}:${ref.epoch}`)!;
      const claimed = t.claimed.get(key)!;
      const current = ref.epoch === view.flows.get(ref.model.id)!.epoch;
      const refused = claimRefusedOnChain(view, ref);
      const root = view.roots.get(`${ref.model.id}:${ref.epoch}`)!;
      const hit = cached?.get(key);
      if (
        options.fresh !== true &&
        hit !== undefined &&
        hit.root === root &&
        hit.kept === kept &&
        hit.claimed === claimed &&
        hit.current === current &&
        hit.refused === refused
      ) {
        t.claimable.set(key, hit.claimable);
        continue;
      }
      router(second, "claimable", [token.address, claimArg(ref)], (v) => {
        t.claimable.set(key, v as bigint);
        cached?.set(key, { root, kept, claimed, current, refused, claimable: v as bigint });
      });
    }
  }
  await run(d, second);
  return view;
}

/**
 * Whether a revoked model's epoch goes to its current beneficiary by sweep, from the chain's flow (RevenueRouter
 * `_isSweepable`): the contested epoch before the first beneficiary's, and earlier beneficiaries' epochs.
 */
function sweepOnlyOnChain(flow: Flow, epoch: number): boolean {
  if (flow.status !== ModelStatus.REVOKED) return false;
  return epoch + 1 === flow.revokedEpoch || (epoch >= flow.revokedEpoch && epoch < flow.epoch);
}

/**
 * Whether the router refuses to pay this entry to its account now (RevenueRouter `_claimableFlow`): a provisional
 * model, a disputed model's current epoch, a revoked model's sweep-only epochs.
 */
export function claimRefusedOnChain(view: ChainView, ref: EntryRef): boolean {
  const flow = view.flows.get(ref.model.id)!;
  return (
    flow.provisional ||
    (flow.status === ModelStatus.DISPUTED && ref.epoch === flow.epoch) ||
    sweepOnlyOnChain(flow, ref.epoch)
  );
}

/** SPEC cumulative rounding: the slice of `total` for weight `weight` after weights summing to `before`. */
export const specSlice = (total: bigint, before: number, weight: number): bigint =>
  (total * BigInt(before + weight)) / PPM - (total * BigInt(before)) / PPM;

/** What SPEC says an entry is owed, from the chain's figures: its slice of its epoch's kept total less its claims. */
export function chainEntitlement(view: ChainView, token: Address, ref: EntryRef): bigint {
  const t = view.tokens.get(token)!;
  const kept = t.kept.get(`${ref.model.id}:${ref.epoch}`)!;
  return specSlice(kept, ref.entry.cumulativeBefore, ref.entry.weightPpm) - t.claimed.get(refKey(ref))!;
}

/**
 * The ledger's `owed` breakdown computed from the chain's views alone: per account, what SPEC says its entries are
 * owed (slice of the chain's keptInEpoch less the chain's claimed; a revoked model's sweep-only epochs count for its
 * current beneficiary); per model, the kept amount of epochs with no set and of provisional models (escrow) and the
 * not-yet-pushed upstream (held for the parents); the chain's fees.
 */
export function chainOwed(view: ChainView, models: readonly ModelRecord[], token: Address): OwedBreakdown {
  const t = view.tokens.get(token)!;
  const accounts = new Map<Address, bigint>();
  const escrow = new Map<Hex, bigint>();
  const heldUpstream = new Map<Hex, bigint>();
  let total = t.fees;
  const credit = <K>(map: Map<K, bigint>, key: K, amount: bigint): void => {
    if (amount === 0n) return;
    map.set(key, (map.get(key) ?? 0n) + amount);
    total += amount;
  };
  for (const model of models) {
    const flow = view.flows.get(model.id)!;
    credit(heldUpstream, model.id, t.pending.get(model.id)!);
    for (let epoch = 0; epoch < model.sets.length; epoch++)
      if (flow.provisional || view.roots.get(`${model.id}:${epoch}`) === ZERO_ROOT)
        credit(escrow, model.id, t.kept.get(`${model.id}:${epoch}`)!);
  }
  for (const ref of view.entries) {
    const flow = view.flows.get(ref.model.id)!;
    if (flow.provisional) continue;
    const to = sweepOnlyOnChain(flow, ref.epoch) ? view.beneficiaries.get(ref.model.id)! : ref.entry.account;
    credit(accounts, to, chainEntitlement(view, token, ref));
  }
  return { accounts, escrow, heldUpstream, fees: t.fees, total };
}

/** `actual` (the engine's) equals `expected` (the chain's), key by key (zero entries count as absent). */
export function expectSameBreakdown(actual: OwedBreakdown, expected: OwedBreakdown, where: string): void {
  const sameMap = <K>(a: ReadonlyMap<K, bigint>, b: ReadonlyMap<K, bigint>, name: string): void => {
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      const x = a.get(key) ?? 0n;
      const y = b.get(key) ?? 0n;
      if (x !== y) expect(x, `${where}: ${name}[${String(key)}] engine vs chain`).to.equal(y);
    }
  };
  sameMap(actual.accounts, expected.accounts, "accounts");
  sameMap(actual.escrow, expected.escrow, "escrow");
  sameMap(actual.heldUpstream, expected.heldUpstream, "heldUpstream");
  expect(actual.fees, `${where}: fees engine vs chain`).to.equal(expected.fees);
  expect(actual.total, `${where}: total engine vs chain`).to.equal(expected.total);
}

/**
 * Asserts engine == chain for every figure of every model, epoch, entry and account in the given tokens (default:
 * all), and conservation. Returns the chain view it read.
 */
export async function checkMirror(
  d: Deployment,
  models: readonly ModelRecord[],
  where: string,
  options: ReadOptions = {},
): Promise<ChainView> {
  const view = await readChain(d, models, options);
  const { ledger } = d;
  const same = (
    engine: bigint | number | string | null,
    chain: bigint | number | string | null,
    what: () => string,
  ) => {
    if (engine !== chain) expect(engine, `${where}: ${what()} (engine vs chain)`).to.equal(chain);
  };

  for (const model of models) {
    const name = `m${model.index}`;
    const flow = view.flows.get(model.id)!;
    const engineModel = ledger.model(model.id);
    same(engineModel.status, flow.status, () => `${name} status`);
    same(model.status, flow.status, () => `${name} status (test record vs chain)`);
    same(engineModel.epoch, flow.epoch, () => `${name} epoch`);
    same(model.sets.length - 1, flow.epoch, () => `${name} epoch (test record vs chain)`);
    same(engineModel.revokedEpoch, flow.revokedEpoch, () => `${name} revokedEpoch`);
    same(engineModel.upstreamPpm, flow.upstreamPpm, () => `${name} upstreamPpm`);
    same(String(engineModel.provisional), String(flow.provisional), () => `${name} provisional`);
    same(String(model.provisional), String(flow.provisional), () => `${name} provisional (test record vs chain)`);
    const identity = view.identities.get(model.id)!;
    same(String(flow.provisional), String(identity.provisionalUntil !== 0), () => `${name} provisional (registry)`);
    same(String(engineModel.verified), String(identity.verified), () => `${name} verified`);
    same(
      engineModel.parents.map((e) => `${e.parentId}:${e.relation}:${e.weightPpm}`).join(","),
      model.parents.map((e) => `${e.parentId.toLowerCase()}:${e.relation}:${e.weightPpm}`).join(","),
      () => `${name} parents (engine vs test record)`,
    );
    same(engineModel.beneficiary ?? ZERO_ADDRESS, view.beneficiaries.get(model.id)!, () => `${name} beneficiary`);
    for (let epoch = 0; epoch < model.sets.length; epoch++) {
      const root = view.roots.get(`${model.id}:${epoch}`)!;
      const tree = model.trees[epoch] ?? null;
      same(tree?.root ?? ZERO_ROOT, root, () => `${name} epoch ${epoch} root (test's tree vs chain)`);
      same(ledger.contributorSet(model.id, epoch)?.root ?? ZERO_ROOT, root, () => `${name} e${epoch} root`);
    }
  }

  for (const token of options.tokens ?? d.tokens) {
    const t = view.tokens.get(token.address)!;
    const sym = token.symbol;
    same(ledger.fees(token.address), t.fees, () => `fees ${sym}`);
    // Conservation: the router holds exactly what it owes.
    same(ledger.totalOwed(token.address), t.balance, () => `totalOwed ${sym} vs router balance`);
    same(ledger.balance(token.address), t.balance, () => `ledger.balance ${sym} vs router balance`);
    for (const model of models) {
      const name = `m${model.index}`;
      const chainBalance = t.balances.get(model.id)!;
      const engineBalance = ledger.modelBalance(model.id, token.address);
      for (const field of ["received", "upstream", "pushed", "kept"] as const)
        same(engineBalance[field], chainBalance[field], () => `modelBalance(${name}, ${sym}).${field}`);
      same(ledger.pendingUpstream(model.id, token.address), t.pending.get(model.id)!, () => `pending ${name} ${sym}`);
      for (let epoch = 0; epoch < model.sets.length; epoch++)
        same(
          ledger.keptInEpoch(model.id, token.address, epoch),
          t.kept.get(`${model.id}:${epoch}`)!,
          () => `keptInEpoch(${name}, ${sym}, ${epoch})`,
        );
    }
    for (const ref of view.entries) {
      const at = () => `m${ref.model.index} e${ref.epoch} cb${ref.entry.cumulativeBefore} ${sym}`;
      const { id } = ref.model;
      const cb = ref.entry.cumulativeBefore;
      same(
        ledger.entryOwed(id, token.address, ref.epoch, cb),
        t.claimable.get(refKey(ref))!,
        () => `entryOwed ${at()}`,
      );
      same(ledger.claimed(id, token.address, ref.epoch, cb), t.claimed.get(refKey(ref))!, () => `claimed ${at()}`);
      // The chain never pays an entry beyond what SPEC says it is owed; a closed epoch pays exactly that, the
      // current one at most one wei less (the rounding of a slice whose total can still grow waits for the close).
      const owed = chainEntitlement(view, token.address, ref);
      const payable = t.claimable.get(refKey(ref))!;
      const closed = ref.epoch < view.flows.get(id)!.epoch;
      if (claimRefusedOnChain(view, ref)) {
        if (payable !== 0n) expect.fail(`${where}: chain claimable ${payable} of a refused claim for ${at()}`);
      } else if (payable > owed || owed - payable > (closed ? 0n : 1n))
        expect.fail(
          `${where}: chain claimable ${payable} vs SPEC entitlement ${owed} (slice of keptInEpoch less claimed) for ` +
            `${at()} (${closed ? "closed" : "current"} epoch)`,
        );
    }

    // Per account: claimable now = the sum of router.claimable over its entries that the router would pay now.
    const chainByAccount = new Map<Address, Map<string, bigint>>();
    for (const ref of view.entries) {
      if (claimRefusedOnChain(view, ref)) continue;
      const amount = t.claimable.get(refKey(ref))!;
      if (amount === 0n) continue;
      const account = ref.entry.account;
      if (!chainByAccount.has(account)) chainByAccount.set(account, new Map());
      chainByAccount.get(account)!.set(refKey(ref), amount);
    }
    for (const account of d.accounts) {
      const chainEntries = chainByAccount.get(account) ?? new Map<string, bigint>();
      const chainSum = [...chainEntries.values()].reduce((a, b) => a + b, 0n);
      same(ledger.claimable(account, token.address), chainSum, () => `claimable(${account}, ${sym})`);
      const engineEntries = new Map(
        ledger
          .claimableEntries(account, token.address)
          .map((e) => [entryKey(e.modelId, e.epoch, e.cumulativeBefore), e.amount] as const),
      );
      for (const key of new Set([...engineEntries.keys(), ...chainEntries.keys()]))
        same(
          engineEntries.get(key) ?? 0n,
          chainEntries.get(key) ?? 0n,
          () => `claimableEntries(${account}) ${key} ${sym}`,
        );
    }
    expectSameBreakdown(ledger.owed(token.address), chainOwed(view, models, token.address), `${where}: owed ${sym}`);
  }
  return view;
}
