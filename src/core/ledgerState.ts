import { getAddress, type Address, type Hex } from "viem";
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
 * A deep copy of the mutable parts of a ledger state; with `only`, of those models alone (a set closed under
 * parents, so that propagation within it never reaches a model it left out). Its cost is that of the models copied.
 */
export function cloneLedgerState(state: LedgerState, only?: ReadonlySet<Hex>): LedgerState {
  const models = new Map<Hex, ModelState>();
  for (const id of only ?? state.models.keys()) {
    const model = state.models.get(id)!;
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
  if (only === undefined) {
    for (const [account, refs] of state.entriesByAccount) entriesByAccount.set(account, [...refs]);
  } else {
    for (const model of models.values()) {
      for (const [epoch, { tree }] of model.epochs) {
        tree?.entries.forEach((entry, index) => {
          // Keyed like the source: by checksummed address (entries normally already are).
          const account = state.entriesByAccount.has(entry.account) ? entry.account : getAddress(entry.account);
          const refs = entriesByAccount.get(account);
          const ref = { modelId: model.id, epoch, index };
          if (refs) refs.push(ref);
          else entriesByAccount.set(account, [ref]);
        });
      }
    }
  }
  return {
    feePpm: state.feePpm,
    models,
    order: only === undefined ? [...state.order] : state.order.filter((id) => only.has(id)),
    fees: new Map(state.fees),
    balances: new Map(state.balances),
    entriesByAccount,
    registering: state.registering,
  };
}
