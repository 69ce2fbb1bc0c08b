import type { Address, Hex } from "viem";
import { PPM } from "./constants.js";
import { UnknownModelError, type UnknownModelErrorType } from "./errors.js";
import type { LedgerState, ModelState } from "./ledgerState.js";
import type { Share } from "./types.js";

export type EffectiveSharesErrorType = UnknownModelErrorType;

/** One model that revenue entering the start model reaches. */
export type EffectiveModelShare = {
  modelId: Hex;
  /** A `ModelStatus` value. */
  status: number;
  /** The share of the revenue that arrives at the model: 1 for the start model. */
  reaches: Share;
  /** The share the model keeps for its current epoch's contributors (or its escrow): `reaches * (1 - u)`. */
  keeps: Share;
};

/** One place where a share of the revenue ends. */
export type EffectiveRecipientShare = {
  modelId: Hex;
  /** The epoch that governs new arrivals (the current one). */
  epoch: number;
  /**
   * `contributor`: an entry of the current set (a revoked model's is its beneficiary); `escrow`: a set-less epoch,
   * or a provisional model, whose set a verified claimant may still replace.
   */
  kind: "contributor" | "escrow";
  /** The account paid, or `null` for escrow. */
  account: Address | null;
  /** The entry's role, weight and key, or `null` when not a contributor entry. */
  role: number | null;
  weightPpm: number | null;
  cumulativeBefore: number | null;
  share: Share;
};

export type EffectiveShares = {
  modelId: Hex;
  /** Every model the revenue reaches with a positive share, children before parents. */
  models: readonly EffectiveModelShare[];
  /** Every end point; the shares sum to exactly 1. */
  recipients: readonly EffectiveRecipientShare[];
  /** The recipients' shares summed per account (escrow excluded). */
  accounts: ReadonlyMap<Address, Share>;
};

type Rational = { n: bigint; d: bigint };

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};
const reduce = (n: bigint, d: bigint): Rational => {
  if (n === 0n) return { n: 0n, d: 1n };
  const g = gcd(n, d);
  return { n: n / g, d: d / g };
};
const plus = (a: Rational, b: Rational): Rational => reduce(a.n * b.d + b.n * a.d, a.d * b.d);
/** `a * ppm / PPM`. */
const timesPpm = (a: Rational, ppm: bigint): Rational => reduce(a.n * ppm, a.d * PPM);
const toShare = ({ n, d }: Rational): Share => ({ numerator: n, denominator: d, ppm: (n * PPM) / d });
const ZERO: Rational = { n: 0n, d: 1n };

/** The exact sum of two shares, reduced, with its ppm value recomputed (not the sum of the rounded ppm values). */
export function addShares(a: Share, b: Share): Share {
  return toShare(plus({ n: a.numerator, d: a.denominator }, { n: b.numerator, d: b.denominator }));
}

/**
 * The exact share of revenue entering `modelId` that ends at each model of its lineage and at each contributor
 * (SPEC "Effective shares"): the share reaching model `x` is the sum over all paths from `modelId` to `x` of the
 * product of `u_a * w_ab / PPM^2` over the path's edges, and `x` keeps `(1 - u_x / PPM)` of it, split over its current
 * epoch's entries by weight. Every model passes its upstream share on, disputed and revoked ones too (a revoked
 * model's current entry is its beneficiary); a provisional model's kept share is escrow until its set is final. The shares are exact; the integer amounts of a
 * concrete payment come from the rounding rules (see the ledger's `previewPay`), never from these fractions.
 *
 * @param state - A ledger state.
 * @param modelId - The model the revenue enters (lowercase id).
 * @throws {UnknownModelError} when the model is not registered.
 *
 * @example
 * import { createLedger } from "./ledger.js";
 * const ledger = createLedger();
 * // after applying events: ledger.effectiveShares(id).recipients
 */
export function effectiveShares(state: LedgerState, modelId: Hex): EffectiveShares {
  const start = state.models.get(modelId);
  if (start === undefined) throw new UnknownModelError({ modelId, context: "effectiveShares" });

  // Every ancestor, then children before parents: registration order is topological, so descending index works.
  const lineage = new Map<Hex, ModelState>([[start.id, start]]);
  for (const queue = [start]; queue.length > 0;) {
    for (const edge of queue.pop()!.parents) {
      if (lineage.has(edge.parentId)) continue;
      const parent = state.models.get(edge.parentId)!;
      lineage.set(parent.id, parent);
      queue.push(parent);
    }
  }
  const ordered = [...lineage.values()].sort((a, b) => b.index - a.index);

  const reach = new Map<Hex, Rational>([[start.id, { n: 1n, d: 1n }]]);
  const models: EffectiveModelShare[] = [];
  const recipients: EffectiveRecipientShare[] = [];
  const accounts = new Map<Address, Rational>();
  const credit = (account: Address, share: Rational): void => {
    accounts.set(account, plus(accounts.get(account) ?? ZERO, share));
  };

  for (const model of ordered) {
    const reaches = reach.get(model.id) ?? ZERO;
    if (reaches.n === 0n) continue;
    const upstreamPpm = BigInt(model.upstreamPpm);
    const keeps = timesPpm(reaches, PPM - upstreamPpm);
    const upstream = timesPpm(reaches, upstreamPpm);
    models.push({ modelId: model.id, status: model.status, reaches: toShare(reaches), keeps: toShare(keeps) });
    for (const edge of model.parents)
      reach.set(edge.parentId, plus(reach.get(edge.parentId) ?? ZERO, timesPpm(upstream, BigInt(edge.weightPpm))));

    if (keeps.n === 0n) continue;
    const tree = model.epochs.get(model.epoch)?.tree ?? null;
    if (tree === null || model.provisional) {
      recipients.push({
        modelId: model.id,
        epoch: model.epoch,
        kind: "escrow",
        account: null,
        role: null,
        weightPpm: null,
        cumulativeBefore: null,
        share: toShare(keeps),
      });
      continue;
    }
    for (const entry of tree.entries) {
      const share = timesPpm(keeps, BigInt(entry.weightPpm));
      recipients.push({
        modelId: model.id,
        epoch: model.epoch,
        kind: "contributor",
        account: entry.account,
        role: entry.role,
        weightPpm: entry.weightPpm,
        cumulativeBefore: entry.cumulativeBefore,
        share: toShare(share),
      });
      credit(entry.account, share);
    }
  }

  const accountShares = new Map<Address, Share>();
  for (const [account, share] of accounts) accountShares.set(account, toShare(share));
  return { modelId: start.id, models, recipients, accounts: accountShares };
}
