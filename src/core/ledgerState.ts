import type { Address, Hex } from "viem";
import { ModelStatus } from "./constants.js";
import type { ContributorEntry, ContributorTree, ParentEdge, Terms } from "./types.js";

/**
 * The ledger's whole state, on lifetime totals. It is plain data (maps of records) so that the ledger can be cloned
 * for what-if queries; contributor trees are immutable and shared between clones.
 */

/** One contributor epoch of a model. */
export type EpochState = {
  /** The epoch's set, or `null` while it has none (a placeholder's escrow). */
  tree: ContributorTree | null;
  /** Entry index by `cumulativeBefore`, the key of the router's `claimed` mapping. */
  byCumulativeBefore: ReadonlyMap<number, number>;
};

/** A model's lifetime totals in one token. */
export type TokenState = {
  received: bigint;
  pushed: bigint;
  /** What the model kept while each epoch was current (absent: nothing). */
  keptInEpoch: Map<number, bigint>;
  /** What each entry claimed or had swept, keyed `${epoch}:${cumulativeBefore}`. */
  claimed: Map<string, bigint>;
};

export type ModelState = {
  id: Hex;
  key: string;
  /** Registration order; parents always come before their children. */
  index: number;
  steward: Address;
  /** A `ModelStatus` value. */
  status: number;
  /** The beneficiary once `REVOKED`, else `null`. */
  beneficiary: Address | null;
  /** The beneficiary a `BeneficiaryReplaced` announced, until the router's `StatusUpdated` installs it. */
  nextBeneficiary: Address | null;
  /** Nothing may leave the model (no propagation, no claims) until it is verified, claimed or its window ends. */
  provisional: boolean;
  /** Attesters confirmed a steward of the model at least once. */
  verified: boolean;
  /** The identity nonce the next attestation must use (one per `ModelVerified`). */
  nonce: number;
  upstreamPpm: number;
  parents: readonly ParentEdge[];
  terms: Terms;
  /** The current contributor epoch. */
  epoch: number;
  /**
   * The first beneficiary's epoch once `REVOKED`, else 0. The epoch before it is the contested one; a replaced
   * beneficiary starts a later epoch and leaves this unchanged.
   */
  revokedEpoch: number;
  epochs: Map<number, EpochState>;
  tokens: Map<Address, TokenState>;
};

/** Where an account's entry lives. */
export type EntryRef = { modelId: Hex; epoch: number; index: number };

export type LedgerState = {
  feePpm: bigint;
  models: Map<Hex, ModelState>;
  /** Model ids in registration order (a topological order: parents first). */
  order: Hex[];
  /** Accrued, not yet withdrawn protocol fees per token. */
  fees: Map<Address, bigint>;
  /** The router's balance per token as the events move it (paid in, claimed/swept/withdrawn out). */
  balances: Map<Address, bigint>;
  /** Every contributor entry of every account. */
  entriesByAccount: Map<Address, EntryRef[]>;
  /**
   * The model whose registration's first contributor set was the last event applied: the only one a
   * `ModelProvisional` (emitted next in the same transaction) can name.
   */
  registering: Hex | null;
};

/** The key of an entry in {@link TokenState.claimed}. */
export function claimedKey(epoch: number, cumulativeBefore: number): string {
  return `${epoch}:${cumulativeBefore}`;
}

/** The entry of `epoch` at `cumulativeBefore`, or `undefined`. */
export function entryAt(model: ModelState, epoch: number, cumulativeBefore: number): ContributorEntry | undefined {
  const state = model.epochs.get(epoch);
  const index = state?.byCumulativeBefore.get(cumulativeBefore);
  return index === undefined ? undefined : state?.tree?.entries[index];
}

/**
 * A revoked model's epoch that goes to its current beneficiary by sweep (RevenueRouter `_isSweepable`): the contested
 * epoch (the one current when it was revoked) and earlier beneficiaries' epochs.
 */
export function isSweepOnly(model: ModelState, epoch: number): boolean {
  return (
    model.status === ModelStatus.REVOKED &&
    (epoch + 1 === model.revokedEpoch || (epoch >= model.revokedEpoch && epoch < model.epoch))
  );
}

/** A deep copy of the mutable parts of a ledger state (contributor trees are immutable and shared). */
export function cloneLedgerState(state: LedgerState): LedgerState {
  const models = new Map<Hex, ModelState>();
  for (const [id, model] of state.models) {
    const tokens = new Map<Address, TokenState>();
    for (const [token, balance] of model.tokens)
      tokens.set(token, {
        received: balance.received,
        pushed: balance.pushed,
        keptInEpoch: new Map(balance.keptInEpoch),
        claimed: new Map(balance.claimed),
      });
    models.set(id, { ...model, terms: { ...model.terms }, epochs: new Map(model.epochs), tokens });
  }
  const entriesByAccount = new Map<Address, EntryRef[]>();
  for (const [account, refs] of state.entriesByAccount) entriesByAccount.set(account, [...refs]);
  return {
    feePpm: state.feePpm,
    models,
    order: [...state.order],
    fees: new Map(state.fees),
    balances: new Map(state.balances),
    entriesByAccount,
    registering: state.registering,
  };
}
