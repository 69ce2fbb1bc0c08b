import { getAddress, type Address, type Hex } from "viem";
import { rewordError } from "../internal/rewordError.js";
import { MAX_FEE_PPM, MAX_LIFETIME_AMOUNT, ModelStatus, PPM, Role, ZERO_ADDRESS } from "./constants.js";
import { contributorTree } from "./contributorTree.js";
import { effectiveShares, type EffectiveShares } from "./effectiveShares.js";
import {
  InvalidAmountError,
  LedgerEventError,
  MirrorMismatchError,
  RuleError,
  UnknownEntryError,
  UnknownModelError,
  type LedgerEventErrorType,
  type MirrorMismatchErrorType,
  type UnknownEntryErrorType,
  type UnknownModelErrorType,
} from "./errors.js";
import type { LedgerEvent } from "./ledgerEvent.js";
import {
  claimedKey,
  cloneLedgerState,
  entryAt,
  isSweepOnly,
  type EpochState,
  type LedgerState,
  type ModelState,
  type TokenState,
} from "./ledgerState.js";
import { modelId as idOfKey } from "./modelId.js";
import { parentParts, paymentChanges, settledTotals, type SettledTotals } from "./paymentPreview.js";
import { feeOf, keptOf, shareOf, sliceOf, upstreamOf } from "./splitMath.js";
import type { ContributorEntry, ContributorTree, ModelBalance, ParentEdge, Terms } from "./types.js";
import { validateParents } from "./validateParents.js";
import { validateParentTerms } from "./validateParentTerms.js";
import { validateUpstream } from "./validateUpstream.js";

export type CreateLedgerParameters = {
  /** The router's protocol fee when the first applied event was emitted, in PPM. @default 0 */
  feePpm?: bigint | number;
};

export type LedgerErrorType =
  LedgerEventErrorType | MirrorMismatchErrorType | UnknownEntryErrorType | UnknownModelErrorType;

/** A model as the ledger knows it. */
export type LedgerModel = {
  id: Hex;
  key: string;
  /** Registration order (parents come first). */
  index: number;
  steward: Address;
  /** The steward is zero: an unclaimed placeholder. */
  placeholder: boolean;
  /** A `ModelStatus` value. */
  status: number;
  beneficiary: Address | null;
  upstreamPpm: number;
  parents: readonly ParentEdge[];
  terms: Terms;
  epoch: number;
  revokedEpoch: number;
  /** Registered without attestation and not yet verified, claimed or ended: nothing leaves the model. */
  provisional: boolean;
  /** Attesters confirmed a steward of the model at least once. */
  verified: boolean;
};

/** A contributor entry with what it is owed in one token: what a `ContributorClaim` needs, plus the amount. */
export type OwedEntry = ContributorEntry & {
  modelId: Hex;
  epoch: number;
  amount: bigint;
};

/** What a revoked model's current beneficiary can sweep in one token. */
export type Sweepable = {
  beneficiary: Address;
  /**
   * Unclaimed entries of the sweep-only epochs ({sweepContributor}): the contested epoch (`revokedEpoch - 1`) and
   * earlier beneficiaries' epochs (`revokedEpoch` up to the current one); amount > 0 only.
   */
  entries: readonly OwedEntry[];
};

/** Everything the router holds in one token, by whom it is owed to. */
export type OwedBreakdown = {
  /**
   * Per account: unclaimed entitlements (including those a dispute holds) plus, for revoked models, the current
   * beneficiary's sweeps (unclaimed entitlements of the sweep-only epochs).
   */
  accounts: ReadonlyMap<Address, bigint>;
  /**
   * Per model: kept revenue no final contributor set is owed yet: epochs without a set (a placeholder's escrow) and
   * everything a provisional model kept (its set may still be replaced by a verified claimant).
   */
  escrow: ReadonlyMap<Hex, bigint>;
  /** Per model: its not-yet-pushed upstream, owed to its parents (a provisional model's cannot move yet). */
  heldUpstream: ReadonlyMap<Hex, bigint>;
  /** Accrued protocol fees. */
  fees: bigint;
  /** The sum of all of the above: equals the router's balance. */
  total: bigint;
};

/**
 * What a payment would change, to the wei, once everything is propagated: the change of each part of the owed
 * breakdown ({@link OwedBreakdown}), zero changes omitted. `accounts`, `escrow` and `heldUpstream` add up to `net`.
 */
export type PaymentPreview = {
  fee: bigint;
  net: bigint;
  /**
   * Change of each account's owed amount. Signed: amounts come from lifetime totals, and a middle contributor's
   * slice of its epoch's kept total can shrink by a wei when that total grows (docs/SPEC.md "Cumulative slice").
   */
  accounts: ReadonlyMap<Address, bigint>;
  /** Growth of each model's escrow (never negative). */
  escrow: ReadonlyMap<Hex, bigint>;
  /** Growth of each provisional model's held upstream (never negative). */
  heldUpstream: ReadonlyMap<Hex, bigint>;
};

export type Ledger = {
  /**
   * Applies one event, in chain order. The ledger recomputes every amount the event reports from its own state and
   * throws instead of applying an event that disagrees; a throwing call leaves the state unchanged.
   * @throws {MirrorMismatchError} when a reported number differs from the engine's.
   * @throws {LedgerEventError} when the contracts cannot have emitted the event in this state.
   */
  apply(event: LedgerEvent): void;
  /** Applies events in order (see {apply}). */
  applyAll(events: Iterable<LedgerEvent>): void;
  /** An independent copy: what-if queries run on clones. */
  clone(): Ledger;

  /** Model ids in registration order. */
  models(): readonly Hex[];
  /** A model, or throws {UnknownModelError}. */
  model(modelId: Hex): LedgerModel;
  /** Tokens that were ever paid. */
  tokens(): readonly Address[];
  /** The contributor set of an epoch (`null` for an escrow epoch). */
  contributorSet(modelId: Hex, epoch: number): ContributorTree | null;
  /** The router's current protocol fee, in PPM. */
  feePpm(): bigint;

  /** A model's lifetime totals (IRevenueRouter `modelBalance`). */
  modelBalance(modelId: Hex, token: Address): ModelBalance;
  /** What the model kept in `token` while `epoch` was current (IRevenueRouter `keptInEpoch`). */
  keptInEpoch(modelId: Hex, token: Address, epoch: number): bigint;
  /** `upstream - pushed`, ignoring status (IRevenueRouter `pendingUpstream`). */
  pendingUpstream(modelId: Hex, token: Address): bigint;
  /** What each parent would receive from a propagation now, in edge order (IRevenueRouter `previewPropagate`). */
  previewPropagate(modelId: Hex, token: Address): bigint[];
  /** What an entry claimed (or had swept) so far (IRevenueRouter `claimed`). */
  claimed(modelId: Hex, token: Address, epoch: number, cumulativeBefore: number): bigint;
  /**
   * What a claim would pay an entry now (IRevenueRouter `claimable(token, entry)`): its slice less what it claimed
   * once its epoch has closed, the floor of its pro-rata share while the epoch is current, and 0 when the router
   * would refuse the claim (a provisional model, a disputed model's current epoch, a revoked model's sweep-only
   * epochs).
   */
  entryOwed(modelId: Hex, token: Address, epoch: number, cumulativeBefore: number): bigint;
  /** What `account` can claim now in `token`: {entryOwed} summed over all its entries. */
  claimable(account: Address, token: Address): bigint;
  /** The entries behind {claimable} with their amounts and proofs (amount > 0 only). */
  claimableEntries(account: Address, token: Address): OwedEntry[];
  /** What a revoked model's beneficiary can sweep now, or `null` if the model is not revoked. */
  sweepable(modelId: Hex, token: Address): Sweepable | null;
  /** Accrued, not yet withdrawn protocol fees. */
  fees(token: Address): bigint;
  /** The router's balance as the applied events moved it. */
  balance(token: Address): bigint;
  /**
   * Everything still owed in `token`: unclaimed entitlements + not-yet-pushed upstream + fees + escrow, each
   * recomputed from the lifetime totals. Conservation: equals {balance} and the router's token balance.
   */
  totalOwed(token: Address): bigint;
  /** The breakdown of {totalOwed} as it stands, without propagating. */
  owed(token: Address): OwedBreakdown;
  /**
   * The breakdown after every model that can propagate (every one but the provisional) has propagated until nothing
   * moves (children before parents). Computed on a clone; this ledger is unchanged.
   */
  owedAfterFullPropagation(token: Address): OwedBreakdown;
  /** The exact rational shares of revenue entering `modelId` (SPEC "Effective shares"). */
  effectiveShares(modelId: Hex): EffectiveShares;
  /**
   * The exact integer effect of paying `amount` to `modelId` now, after full propagation: the same integers as
   * applying the payment and comparing {owedAfterFullPropagation} before and after, computed without copying the
   * ledger (src/core/paymentPreview.ts), at the cost of the models the payment reaches.
   * @throws {UnknownModelError} for a model the ledger does not know.
   * @throws {InvalidAmountError} for an amount the router would refuse (not positive, above 2^112 - 1, or taking
   * the model's lifetime total above it) or whose propagation it would refuse (an ancestor's total above it).
   */
  previewPay(modelId: Hex, token: Address, amount: bigint): PaymentPreview;
};

/**
 * Creates the Stemma ledger: the whole money state of a registry and router pair, rebuilt from their events and
 * computed independently, to the wei, as docs/SPEC.md defines it. It is the engine of the indexer and the predictor of
 * the simulator.
 *
 * Semantics, per model `m` and token `t`, on lifetime totals: `upstream = floor(received * u / PPM)`,
 * `kept = received - upstream`. Funds arriving at `m` (a payment's net amount, or a parent slice from a child's
 * propagation) are counted in `m`'s current epoch: `keptInEpoch[e] += kept(after) - kept(before)`. Propagation adds
 * to parent `i` its {@link splitTree} part of `upstream` less its part of `pushed`, then sets `pushed = upstream`.
 * Entry `(c, w)` of epoch `e` is owed `sliceOf(keptInEpoch[e], c, w) - claimed[e][c]`; while `e` is current it can
 * claim `shareOf(keptInEpoch[e], w) - claimed[e][c]`. Nothing leaves a provisional model; a disputed model's current
 * epoch cannot claim; a revoked model's contested epoch and earlier beneficiaries' epochs go to its current
 * beneficiary by sweep (docs/SPEC.md "Identity" and "Disputes, revocation and placeholders").
 *
 * @example
 * import { createLedger } from "./ledger.js";
 * const ledger = createLedger({ feePpm: 0n });
 * // ledger.apply({ type: "ModelRegistered", ... }); ledger.apply({ type: "Paid", ... });
 * // ledger.claimable(account, token) === router.claimable(...) summed over the account's entries
 */
export function createLedger(parameters: CreateLedgerParameters = {}): Ledger {
  const feePpm = BigInt(parameters.feePpm ?? 0n);
  if (feePpm < 0n || feePpm > MAX_FEE_PPM)
    throw new LedgerEventError({ event: "createLedger", reason: `feePpm ${feePpm} is outside 0..${MAX_FEE_PPM}` });
  return engineOver({
    feePpm,
    models: new Map(),
    order: [],
    fees: new Map(),
    balances: new Map(),
    entriesByAccount: new Map(),
    registering: null,
  }).ledger;
}

type Engine = {
  ledger: Ledger;
  owed(token: Address): OwedBreakdown;
  propagateAll(token: Address): void;
};

function engineOver(state: LedgerState): Engine {
  // ------------------------------------------------------------------ normalization

  const addressCache = new Map<string, Address>();
  /** {settledTotals} per token, for previews; any event makes them stale. */
  const settledByToken = new Map<Address, SettledTotals>();
  /** Set by the event being applied when it is a registration's first contributor set. */
  let registered: Hex | null = null;
  /** Checksummed form of an address (a getAddress per distinct address, then cached). */
  function address(value: string): Address {
    const lower = value.toLowerCase();
    let checksummed = addressCache.get(lower);
    if (checksummed === undefined) {
      checksummed = getAddress(lower);
      addressCache.set(lower, checksummed);
    }
    return checksummed;
  }
  const idOf = (value: Hex): Hex => value.toLowerCase() as Hex;

  // ------------------------------------------------------------------ state access

  function modelOf(id: Hex, context: string): ModelState {
    const model = state.models.get(idOf(id));
    if (model === undefined) throw new UnknownModelError({ modelId: id, context });
    return model;
  }

  const emptyToken = (): TokenState => ({ received: 0n, pushed: 0n, keptInEpoch: new Map(), claimed: new Map() });

  function tokenOf(model: ModelState, token: Address): TokenState {
    let balance = model.tokens.get(token);
    if (balance === undefined) {
      balance = emptyToken();
      model.tokens.set(token, balance);
    }
    return balance;
  }

  /** Read-only token state: does not create an entry. */
  const peekToken = (model: ModelState, token: Address): TokenState => model.tokens.get(token) ?? emptyToken();

  const add = <K>(map: Map<K, bigint>, key: K, amount: bigint): void => {
    map.set(key, (map.get(key) ?? 0n) + amount);
  };

  const upstreamOfModel = (model: ModelState, balance: TokenState): bigint =>
    upstreamOf(balance.received, BigInt(model.upstreamPpm));

  /** An entry's whole unclaimed entitlement: its slice of its epoch's kept total, less what it claimed. */
  function owedOf(model: ModelState, balance: TokenState, epoch: number, entry: ContributorEntry): bigint {
    const kept = balance.keptInEpoch.get(epoch) ?? 0n;
    const slice = sliceOf(kept, BigInt(entry.cumulativeBefore), BigInt(entry.weightPpm));
    return slice - (balance.claimed.get(claimedKey(epoch, entry.cumulativeBefore)) ?? 0n);
  }

  /**
   * What the router pays an entry now (ignoring freezes): its slice once the epoch has closed, and while it is
   * current the floor of its pro-rata share, which never exceeds the final slice (RevenueRouter `_entitlement`).
   */
  function payableOf(model: ModelState, balance: TokenState, epoch: number, entry: ContributorEntry): bigint {
    if (epoch < model.epoch) return owedOf(model, balance, epoch, entry);
    const kept = balance.keptInEpoch.get(epoch) ?? 0n;
    const share = shareOf(kept, BigInt(entry.weightPpm));
    return share - (balance.claimed.get(claimedKey(epoch, entry.cumulativeBefore)) ?? 0n);
  }

  // ------------------------------------------------------------------ the two money movements

  /** Funds arrive at a model: counted in its current epoch. */
  function arrive(model: ModelState, token: Address, amount: bigint): void {
    if (amount === 0n) return;
    const balance = tokenOf(model, token);
    const upstreamPpm = BigInt(model.upstreamPpm);
    const keptBefore = keptOf(balance.received, upstreamPpm);
    balance.received += amount;
    add(balance.keptInEpoch, model.epoch, keptOf(balance.received, upstreamPpm) - keptBefore);
  }

  /** What each parent gets if `model` pushes its pending upstream now. */
  const parentSlices = (model: ModelState, balance: TokenState): bigint[] =>
    parentParts(model, balance.pushed, upstreamOfModel(model, balance));

  /** Pushes a model's pending upstream one hop; returns what moved. */
  function push(model: ModelState, token: Address): bigint {
    const balance = model.tokens.get(token);
    if (balance === undefined) return 0n;
    const upstream = upstreamOfModel(model, balance);
    const amount = upstream - balance.pushed;
    if (amount === 0n) return 0n;
    const parts = parentSlices(model, balance);
    balance.pushed = upstream;
    model.parents.forEach((edge, i) => arrive(modelOf(edge.parentId, "propagate"), token, parts[i]!));
    return amount;
  }

  // ------------------------------------------------------------------ contributor sets

  /** Sets an epoch's contributor set; a set it replaces (a provisional model's) leaves the accounts' entries. */
  function setEpoch(model: ModelState, epoch: number, tree: ContributorTree | null): void {
    for (const entry of model.epochs.get(epoch)?.tree?.entries ?? []) {
      const account = address(entry.account);
      const refs = state.entriesByAccount.get(account)!.filter((r) => r.modelId !== model.id || r.epoch !== epoch);
      if (refs.length === 0) state.entriesByAccount.delete(account);
      else state.entriesByAccount.set(account, refs);
    }
    const byCumulativeBefore = new Map<number, number>();
    tree?.entries.forEach((entry, index) => byCumulativeBefore.set(entry.cumulativeBefore, index));
    const epochState: EpochState = { tree, byCumulativeBefore };
    model.epochs.set(epoch, epochState);
    if (tree === null) return;
    tree.entries.forEach((entry, index) => {
      const account = address(entry.account);
      let refs = state.entriesByAccount.get(account);
      if (refs === undefined) {
        refs = [];
        state.entriesByAccount.set(account, refs);
      }
      refs.push({ modelId: model.id, epoch, index });
    });
  }

  const beneficiaryTree = (beneficiary: Address): ContributorTree =>
    contributorTree([{ account: beneficiary, role: Role.OTHER, weightPpm: Number(PPM) }]);

  // ------------------------------------------------------------------ who may take an epoch's funds

  /** Why the router refuses a claim of `epoch`'s entries now (RevenueRouter `_claimableFlow`), or `null`. */
  function claimRefusal(model: ModelState, epoch: number): string | null {
    if (model.provisional) return `model ${model.id} is provisional: nothing leaves it yet`;
    if (model.status === ModelStatus.DISPUTED && epoch === model.epoch)
      return `epoch ${epoch} of model ${model.id} is contested: its funds are frozen while disputed`;
    if (isSweepOnly(model, epoch))
      return `epoch ${epoch} of revoked model ${model.id} goes to its beneficiary (sweep it)`;
    return null;
  }

  // ------------------------------------------------------------------ event handlers

  /** A core rule's refusal is the event's: the contracts revert on it, so they cannot have emitted the event. */
  function requireRule(name: string, check: () => void): void {
    rewordError(RuleError, check, ({ reason }) => {
      throw new LedgerEventError({ event: name, reason });
    });
  }

  /** The id of a model being added: keccak256 of its key, as the event says, and not taken yet. */
  function newModelId(event: { type: string; id: Hex; key: string }): Hex {
    const id = idOf(event.id);
    const expectedId = idOfKey(event.key);
    if (expectedId !== id)
      throw new MirrorMismatchError({ event: event.type, field: "id", expected: expectedId, actual: id });
    if (state.models.has(id))
      throw new LedgerEventError({ event: event.type, reason: `model ${id} is already registered` });
    return id;
  }

  /** Adds a registered model or a placeholder, with an escrow epoch 0 until its first contributor set arrives. */
  function addModel(
    id: Hex,
    key: string,
    fields: Pick<ModelState, "steward" | "upstreamPpm" | "parents" | "terms" | "provisional">,
  ): void {
    const model: ModelState = {
      id,
      key,
      index: state.order.length,
      ...fields,
      status: ModelStatus.ACTIVE,
      beneficiary: null,
      nextBeneficiary: null,
      verified: false,
      nonce: 0,
      epoch: 0,
      revokedEpoch: 0,
      epochs: new Map(),
      tokens: new Map(),
    };
    state.models.set(id, model);
    state.order.push(id);
    setEpoch(model, 0, null);
  }

  /**
   * A lineage as the registry checks it (registration, or a correction): the upstream share and parent edges are
   * valid, every parent is registered before `index` (so the graph stays acyclic), not revoked, and its terms allow it.
   */
  function checkedLineage(
    name: string,
    self: Hex,
    index: number,
    upstreamPpm: number,
    edges: readonly ParentEdge[],
  ): ParentEdge[] {
    const parents = edges.map((edge) => ({ ...edge, parentId: idOf(edge.parentId) }));
    requireRule(name, () => validateUpstream({ upstreamPpm, parentCount: parents.length }));
    requireRule(name, () =>
      validateParents({ parents: parents.map(({ parentId, weightPpm }) => ({ id: parentId, weightPpm })), self }),
    );
    for (const edge of parents) {
      const parent = state.models.get(edge.parentId);
      const fail = (reason: string): never => {
        throw new LedgerEventError({ event: name, reason: `parent ${edge.parentId} ${reason}` });
      };
      if (parent === undefined || parent.index >= index) fail("is not registered before the model");
      else if (parent.status === ModelStatus.REVOKED) fail("is revoked");
      else
        requireRule(name, () =>
          validateParentTerms({ parent: edge.parentId, terms: parent.terms, upstreamPpm, weightPpm: edge.weightPpm }),
        );
    }
    return parents;
  }

  function onModelRegistered(event: Extract<LedgerEvent, { type: "ModelRegistered" }>): void {
    const name = event.type;
    const id = newModelId(event);
    const steward = address(event.steward);
    if (steward === ZERO_ADDRESS)
      throw new LedgerEventError({ event: name, reason: "the steward is the zero address" });
    const { upstreamPpm } = event;
    const parents = checkedLineage(name, id, state.order.length, upstreamPpm, event.parents);
    // Epoch 0's set arrives in the ContributorsSet event that follows, and ModelProvisional after it if unattested.
    addModel(id, event.key, {
      steward,
      upstreamPpm,
      parents,
      terms: { derivativesAllowed: event.terms.derivativesAllowed, minDerivativePpm: event.terms.minDerivativePpm },
      provisional: false,
    });
  }

  function onPlaceholderRegistered(event: Extract<LedgerEvent, { type: "PlaceholderRegistered" }>): void {
    // Provisional until its authors claim it or governance assigns it: nothing leaves its escrow before.
    addModel(newModelId(event), event.key, {
      steward: ZERO_ADDRESS,
      upstreamPpm: 0,
      parents: [],
      terms: { derivativesAllowed: true, minDerivativePpm: 0 },
      provisional: true,
    });
  }

  /** Whether anything ever left the model in any token (a propagation or a claim): never, while provisional. */
  const anythingLeft = (model: ModelState): boolean =>
    [...model.tokens.values()].some((b) => b.pushed !== 0n || [...b.claimed.values()].some((c) => c !== 0n));

  function onModelProvisional(event: Extract<LedgerEvent, { type: "ModelProvisional" }>): void {
    const name = event.type;
    const model = modelOf(event.id, name);
    // Emitted by the registration itself, right after its first ContributorsSet, and again when a dismissed dispute
    // extends a provisional window (the model then is provisional already).
    if (state.registering !== model.id && !(model.provisional && model.steward !== ZERO_ADDRESS))
      throw new LedgerEventError({
        event: name,
        reason: `model ${model.id} is neither being registered nor a provisional model whose window is extended`,
      });
    model.provisional = true;
  }

  function onModelVerified(event: Extract<LedgerEvent, { type: "ModelVerified" }>): void {
    const name = event.type;
    const model = modelOf(event.id, name);
    if (model.status !== ModelStatus.ACTIVE)
      throw new LedgerEventError({ event: name, reason: `model ${model.id} has status ${model.status}, not ACTIVE` });
    const steward = address(event.steward);
    if (steward === ZERO_ADDRESS || steward !== model.steward)
      throw new MirrorMismatchError({ event: name, field: "steward", expected: model.steward, actual: steward });
    if (event.nonce !== model.nonce)
      throw new MirrorMismatchError({ event: name, field: "nonce", expected: model.nonce, actual: event.nonce });
    model.nonce += 1;
    model.verified = true;
    model.provisional = false;
  }

  function onProvisionEnded(event: Extract<LedgerEvent, { type: "ProvisionEnded" }>): void {
    const model = modelOf(event.id, event.type);
    // A placeholder waits for its authors for ever.
    if (!model.provisional || model.steward === ZERO_ADDRESS)
      throw new LedgerEventError({ event: event.type, reason: `model ${model.id} has no provisional window to end` });
    model.provisional = false;
  }

  function onLineageCorrected(event: Extract<LedgerEvent, { type: "LineageCorrected" }>): void {
    const name = event.type;
    const model = modelOf(event.id, name);
    if (!model.provisional || model.status !== ModelStatus.ACTIVE)
      throw new LedgerEventError({ event: name, reason: `model ${model.id} is not provisional and ACTIVE` });
    // Provisional means nothing left the model and it is still in the epoch it was registered in.
    if (anythingLeft(model) || model.epochs.size !== 1)
      throw new LedgerEventError({ event: name, reason: `funds of model ${model.id} have moved` });
    const { upstreamPpm } = event;
    const parents = checkedLineage(name, model.id, model.index, upstreamPpm, event.parents);
    model.upstreamPpm = upstreamPpm;
    model.parents = parents;
    // Everything received is split anew under the corrected share.
    for (const balance of model.tokens.values())
      balance.keptInEpoch = new Map([[model.epoch, keptOf(balance.received, BigInt(upstreamPpm))]]);
  }

  function onBeneficiaryReplaced(event: Extract<LedgerEvent, { type: "BeneficiaryReplaced" }>): void {
    const name = event.type;
    const model = modelOf(event.id, name);
    if (model.status !== ModelStatus.REVOKED)
      throw new LedgerEventError({ event: name, reason: `model ${model.id} is not revoked` });
    if (model.nextBeneficiary !== null)
      throw new LedgerEventError({
        event: name,
        reason: `model ${model.id} already awaits its router's StatusUpdated`,
      });
    const previous = address(event.previous);
    if (previous !== model.beneficiary)
      throw new MirrorMismatchError({ event: name, field: "previous", expected: model.beneficiary, actual: previous });
    const beneficiary = address(event.beneficiary);
    if (beneficiary === ZERO_ADDRESS)
      throw new LedgerEventError({ event: name, reason: "the beneficiary is the zero address" });
    // The router's StatusUpdated that follows starts the new beneficiary's epoch.
    model.nextBeneficiary = beneficiary;
  }

  function onContributorsSet(event: Extract<LedgerEvent, { type: "ContributorsSet" }>): void {
    const name = event.type;
    const model = modelOf(event.id, name);
    const tree = contributorTree(event.contributors.map((entry) => ({ ...entry, account: address(entry.account) })));
    if (tree.root !== event.root.toLowerCase())
      throw new MirrorMismatchError({ event: name, field: "root", expected: tree.root, actual: event.root });
    const fail = (reason: string): never => {
      throw new LedgerEventError({ event: name, reason });
    };
    if (event.epoch < model.epoch) fail(`epoch ${event.epoch} is before the current ${model.epoch}`);
    if (event.epoch > model.epoch) {
      // A new epoch (RevenueRouter.startEpoch): a rotation, renewal or reassignment of an active, settled model.
      if (event.epoch !== model.epoch + 1) fail(`epoch ${event.epoch} skips epoch ${model.epoch + 1}`);
      if (model.status !== ModelStatus.ACTIVE || model.provisional)
        fail(`model ${model.id} cannot start an epoch: status ${model.status}, provisional ${model.provisional}`);
      model.epoch = event.epoch;
      setEpoch(model, event.epoch, tree);
      return;
    }
    const current = model.epochs.get(model.epoch)!.tree;
    if (current === null && model.steward !== ZERO_ADDRESS && !model.provisional && model.status === ModelStatus.ACTIVE)
      registered = model.id;
    if (current === null || model.provisional) {
      // Registration's first set; a placeholder's escrow epoch assigned or claimed (its accrued funds become the
      // set's); or a provisional model's set replaced by a verified claimant or a reassignment. Either of the last
      // two settles the model (RevenueRouter.settleProvisional): nothing had left it, so the set takes the epoch whole.
      if (model.provisional && model.status !== ModelStatus.ACTIVE) fail(`model ${model.id} is not ACTIVE`);
      if (anythingLeft(model)) fail(`funds of provisional model ${model.id} have moved`);
      setEpoch(model, model.epoch, tree);
      model.provisional = false;
      return;
    }
    // The same set again: the registry's event for the beneficiary's epoch the router's StatusUpdated started.
    if (model.status !== ModelStatus.REVOKED) fail(`epoch ${event.epoch} of model ${model.id} already has a set`);
    if (current.root !== tree.root)
      throw new MirrorMismatchError({
        event: name,
        field: `root of the current epoch ${model.epoch}`,
        expected: current.root,
        actual: tree.root,
      });
  }

  function onStewardshipTransferred(event: Extract<LedgerEvent, { type: "StewardshipTransferred" }>): void {
    const model = modelOf(event.id, event.type);
    const previous = address(event.previousSteward);
    if (previous !== model.steward)
      throw new MirrorMismatchError({
        event: event.type,
        field: "previousSteward",
        expected: model.steward,
        actual: previous,
      });
    model.steward = address(event.newSteward);
  }

  function onTermsUpdated(event: Extract<LedgerEvent, { type: "TermsUpdated" }>): void {
    const model = modelOf(event.id, event.type);
    model.terms = {
      derivativesAllowed: event.terms.derivativesAllowed,
      minDerivativePpm: event.terms.minDerivativePpm,
    };
  }

  function onStatusUpdated(event: Extract<LedgerEvent, { type: "StatusUpdated" }>): void {
    const name = event.type;
    const model = modelOf(event.modelId, name);
    const fail = (reason: string): never => {
      throw new LedgerEventError({ event: name, reason });
    };
    const from = (expected: number): void => {
      if (model.status !== expected)
        fail(`model ${model.id} has status ${model.status}, not ${expected}, so it cannot become ${event.status}`);
    };
    switch (event.status) {
      case ModelStatus.DISPUTED: // raised
        from(ModelStatus.ACTIVE);
        model.status = event.status;
        return;
      case ModelStatus.ACTIVE: // dismissed, or upheld by a reassignment
        from(ModelStatus.DISPUTED);
        model.status = event.status;
        return;
      case ModelStatus.REVOKED: {
        const beneficiary = address(event.beneficiary);
        if (beneficiary === ZERO_ADDRESS) fail("the beneficiary is the zero address");
        const replacing = model.status === ModelStatus.REVOKED;
        if (replacing && beneficiary !== model.nextBeneficiary)
          throw new MirrorMismatchError({
            event: name,
            field: "beneficiary",
            expected: model.nextBeneficiary,
            actual: beneficiary,
          });
        if (!replacing) from(ModelStatus.DISPUTED);
        // An unassigned placeholder's escrow epoch goes to the beneficiary as it is; otherwise the beneficiary gets
        // a new epoch (RevenueRouter.setStatus). A replaced beneficiary leaves the contested epoch where it was.
        if (model.epochs.get(model.epoch)!.tree !== null) model.epoch += 1;
        setEpoch(model, model.epoch, beneficiaryTree(beneficiary));
        if (!replacing) model.revokedEpoch = model.epoch;
        model.status = ModelStatus.REVOKED;
        model.beneficiary = beneficiary;
        model.nextBeneficiary = null;
        model.provisional = false;
        return;
      }
      default:
        fail(`status ${event.status} is not ACTIVE, DISPUTED or REVOKED`);
    }
  }

  /** The router stores lifetime totals in 112 bits and reverts an arrival that would overflow them. */
  function requireFits(name: string, model: ModelState, token: Address, amount: bigint): void {
    const received = peekToken(model, token).received + amount;
    if (received > MAX_LIFETIME_AMOUNT)
      throw new LedgerEventError({
        event: name,
        reason: `model ${model.id} would have received ${received}, above the 112-bit cap ${MAX_LIFETIME_AMOUNT}`,
      });
  }

  function onPaid(event: Extract<LedgerEvent, { type: "Paid" }>): void {
    const name = event.type;
    const model = modelOf(event.modelId, name);
    const token = address(event.token);
    if (token === ZERO_ADDRESS) throw new LedgerEventError({ event: name, reason: "the token is the zero address" });
    if (event.amount <= 0n)
      throw new LedgerEventError({ event: name, reason: `amount ${event.amount} is not positive` });
    const fee = feeOf(event.amount, state.feePpm);
    if (fee !== event.fee)
      throw new MirrorMismatchError({ event: name, field: "fee", expected: fee, actual: event.fee });
    requireFits(name, model, token, event.amount - fee);
    add(state.fees, token, fee);
    add(state.balances, token, event.amount);
    arrive(model, token, event.amount - fee);
  }

  function onPropagated(event: Extract<LedgerEvent, { type: "Propagated" }>): void {
    const name = event.type;
    const model = modelOf(event.modelId, name);
    const token = address(event.token);
    // Disputed and revoked models keep paying their parents, who are not what a dispute contests.
    if (model.provisional)
      throw new LedgerEventError({ event: name, reason: `model ${model.id} is provisional: nothing leaves it yet` });
    const balance = peekToken(model, token);
    const upstream = upstreamOfModel(model, balance);
    const amount = upstream - balance.pushed;
    if (amount !== event.amount)
      throw new MirrorMismatchError({ event: name, field: "amount", expected: amount, actual: event.amount });
    if (upstream !== event.pushedTotal)
      throw new MirrorMismatchError({
        event: name,
        field: "pushedTotal",
        expected: upstream,
        actual: event.pushedTotal,
      });
    const parts = parentSlices(model, balance);
    model.parents.forEach((edge, i) => requireFits(name, modelOf(edge.parentId, name), token, parts[i]!));
    push(model, token);
  }

  /** Shared by claims and sweeps: checks and pays one entry's whole entitlement. */
  function payEntry(
    name: string,
    model: ModelState,
    token: Address,
    epoch: number,
    cumulativeBefore: number,
    amount: bigint,
    check: (entry: ContributorEntry) => void,
  ): void {
    const entry = entryAt(model, epoch, cumulativeBefore);
    if (entry === undefined) throw new UnknownEntryError({ modelId: model.id, epoch, cumulativeBefore });
    check(entry);
    const balance = peekToken(model, token);
    const owed = payableOf(model, balance, epoch, entry);
    if (owed !== amount)
      throw new MirrorMismatchError({ event: name, field: "amount", expected: owed, actual: amount });
    if (amount === 0n) return;
    add(tokenOf(model, token).claimed, claimedKey(epoch, cumulativeBefore), amount);
    add(state.balances, token, -amount);
  }

  function onClaimed(event: Extract<LedgerEvent, { type: "Claimed" }>): void {
    const name = event.type;
    const model = modelOf(event.modelId, name);
    const refusal = claimRefusal(model, event.epoch);
    if (refusal !== null) throw new LedgerEventError({ event: name, reason: refusal });
    const account = address(event.account);
    payEntry(name, model, address(event.token), event.epoch, event.cumulativeBefore, event.amount, (entry) => {
      if (address(entry.account) !== account)
        throw new MirrorMismatchError({ event: name, field: "account", expected: entry.account, actual: account });
    });
  }

  function requireBeneficiary(name: string, model: ModelState, beneficiary: Address): void {
    if (model.status !== ModelStatus.REVOKED)
      throw new LedgerEventError({ event: name, reason: `model ${model.id} is not revoked` });
    const actual = address(beneficiary);
    if (actual !== model.beneficiary)
      throw new MirrorMismatchError({ event: name, field: "beneficiary", expected: model.beneficiary, actual });
  }

  function onContributorSwept(event: Extract<LedgerEvent, { type: "ContributorSwept" }>): void {
    const name = event.type;
    const model = modelOf(event.modelId, name);
    requireBeneficiary(name, model, event.beneficiary);
    if (!isSweepOnly(model, event.epoch))
      throw new LedgerEventError({
        event: name,
        reason: `epoch ${event.epoch} of model ${model.id} is not sweep-only (contested epoch ${model.revokedEpoch - 1}, beneficiaries' epochs ${model.revokedEpoch}..${model.epoch - 1})`,
      });
    payEntry(name, model, address(event.token), event.epoch, event.cumulativeBefore, event.amount, () => {});
  }

  function onFeeUpdated(event: Extract<LedgerEvent, { type: "FeeUpdated" }>): void {
    const feePpm = BigInt(event.feePpm);
    if (feePpm < 0n || feePpm > MAX_FEE_PPM)
      throw new LedgerEventError({ event: event.type, reason: `feePpm ${feePpm} is outside 0..${MAX_FEE_PPM}` });
    state.feePpm = feePpm;
  }

  function onFeesWithdrawn(event: Extract<LedgerEvent, { type: "FeesWithdrawn" }>): void {
    const token = address(event.token);
    const available = state.fees.get(token) ?? 0n;
    if (event.amount < 0n || event.amount > available)
      throw new LedgerEventError({
        event: event.type,
        reason: `withdrew ${event.amount} of ${token} but only ${available} accrued`,
      });
    add(state.fees, token, -event.amount);
    add(state.balances, token, -event.amount);
  }

  function apply(event: LedgerEvent): void {
    settledByToken.clear();
    registered = null;
    dispatch(event);
    state.registering = registered;
  }

  function dispatch(event: LedgerEvent): void {
    switch (event.type) {
      case "ModelRegistered":
        return onModelRegistered(event);
      case "PlaceholderRegistered":
        return onPlaceholderRegistered(event);
      case "ContributorsSet":
        return onContributorsSet(event);
      case "StewardshipTransferred":
        return onStewardshipTransferred(event);
      case "TermsUpdated":
        return onTermsUpdated(event);
      case "ModelProvisional":
        return onModelProvisional(event);
      case "ModelVerified":
        return onModelVerified(event);
      case "ProvisionEnded":
        return onProvisionEnded(event);
      case "LineageCorrected":
        return onLineageCorrected(event);
      case "BeneficiaryReplaced":
        return onBeneficiaryReplaced(event);
      case "StatusUpdated":
        return onStatusUpdated(event);
      case "Paid":
        return onPaid(event);
      case "Propagated":
        return onPropagated(event);
      case "Claimed":
        return onClaimed(event);
      case "ContributorSwept":
        return onContributorSwept(event);
      case "FeeUpdated":
        return onFeeUpdated(event);
      case "FeesWithdrawn":
        return onFeesWithdrawn(event);
      default: {
        const unknown: never = event;
        throw new LedgerEventError({
          event: String((unknown as { type?: unknown }).type),
          reason: "unknown event type",
        });
      }
    }
  }

  // ------------------------------------------------------------------ queries

  function owedEntry(model: ModelState, token: Address, epoch: number, entry: ContributorEntry): OwedEntry {
    return { ...entry, modelId: model.id, epoch, amount: payableOf(model, peekToken(model, token), epoch, entry) };
  }

  function owed(token: Address): OwedBreakdown {
    const accounts = new Map<Address, bigint>();
    const escrow = new Map<Hex, bigint>();
    const heldUpstream = new Map<Hex, bigint>();
    let total = 0n;
    const credit = <K>(map: Map<K, bigint>, key: K, amount: bigint): void => {
      if (amount === 0n) return;
      add(map, key, amount);
      total += amount;
    };
    for (const id of state.order) {
      const model = state.models.get(id)!;
      const balance = model.tokens.get(token);
      if (balance === undefined) continue;
      credit(heldUpstream, id, upstreamOfModel(model, balance) - balance.pushed);
      for (const [epoch, kept] of balance.keptInEpoch) {
        const tree = model.epochs.get(epoch)?.tree ?? null;
        if (tree === null || model.provisional) {
          credit(escrow, id, kept);
          continue;
        }
        for (const entry of tree.entries) {
          const to = isSweepOnly(model, epoch) ? model.beneficiary! : address(entry.account);
          credit(accounts, to, owedOf(model, balance, epoch, entry));
        }
      }
    }
    const fees = state.fees.get(token) ?? 0n;
    return { accounts, escrow, heldUpstream, fees, total: total + fees };
  }

  /** The lifetime totals once everything in `token` is propagated; kept until the next event is applied. */
  function settled(token: Address): SettledTotals {
    let totals = settledByToken.get(token);
    if (totals === undefined) {
      totals = settledTotals(state, token);
      settledByToken.set(token, totals);
    }
    return totals;
  }

  function propagateAll(token: Address): void {
    // Children before parents: the reverse of registration order. One pass moves everything; the loop only
    // guards that claim.
    for (let moved = true; moved;) {
      moved = false;
      for (let i = state.order.length - 1; i >= 0; i--) {
        const model = state.models.get(state.order[i]!)!;
        if (!model.provisional && push(model, token) > 0n) moved = true;
      }
    }
  }

  const ledger: Ledger = {
    apply,
    applyAll(events) {
      for (const event of events) apply(event);
    },
    clone: () => engineOver(cloneLedgerState(state)).ledger,

    models: () => [...state.order],
    model(id) {
      const model = modelOf(id, "model");
      return {
        id: model.id,
        key: model.key,
        index: model.index,
        steward: model.steward,
        placeholder: model.steward === ZERO_ADDRESS,
        status: model.status,
        beneficiary: model.beneficiary,
        upstreamPpm: model.upstreamPpm,
        parents: model.parents,
        terms: { ...model.terms },
        epoch: model.epoch,
        revokedEpoch: model.revokedEpoch,
        provisional: model.provisional,
        verified: model.verified,
      };
    },
    tokens: () => [...state.balances.keys()],
    contributorSet: (id, epoch) => modelOf(id, "contributorSet").epochs.get(epoch)?.tree ?? null,
    feePpm: () => state.feePpm,

    modelBalance(id, token) {
      const model = modelOf(id, "modelBalance");
      const balance = peekToken(model, address(token));
      const upstream = upstreamOfModel(model, balance);
      return { received: balance.received, upstream, pushed: balance.pushed, kept: balance.received - upstream };
    },
    keptInEpoch: (id, token, epoch) =>
      peekToken(modelOf(id, "keptInEpoch"), address(token)).keptInEpoch.get(epoch) ?? 0n,
    pendingUpstream(id, token) {
      const model = modelOf(id, "pendingUpstream");
      const balance = peekToken(model, address(token));
      return upstreamOfModel(model, balance) - balance.pushed;
    },
    previewPropagate(id, token) {
      const model = modelOf(id, "previewPropagate");
      if (model.provisional) return model.parents.map(() => 0n);
      return parentSlices(model, peekToken(model, address(token)));
    },
    claimed: (id, token, epoch, cumulativeBefore) =>
      peekToken(modelOf(id, "claimed"), address(token)).claimed.get(claimedKey(epoch, cumulativeBefore)) ?? 0n,
    entryOwed(id, token, epoch, cumulativeBefore) {
      const model = modelOf(id, "entryOwed");
      const entry = entryAt(model, epoch, cumulativeBefore);
      if (entry === undefined) throw new UnknownEntryError({ modelId: model.id, epoch, cumulativeBefore });
      if (claimRefusal(model, epoch) !== null) return 0n;
      return payableOf(model, peekToken(model, address(token)), epoch, entry);
    },
    claimable(account, token) {
      return ledger.claimableEntries(account, token).reduce((sum, entry) => sum + entry.amount, 0n);
    },
    claimableEntries(account, token) {
      const out: OwedEntry[] = [];
      for (const ref of state.entriesByAccount.get(address(account)) ?? []) {
        const model = state.models.get(ref.modelId)!;
        if (claimRefusal(model, ref.epoch) !== null) continue;
        const entry = model.epochs.get(ref.epoch)!.tree!.entries[ref.index]!;
        const owedNow = owedEntry(model, address(token), ref.epoch, entry);
        if (owedNow.amount > 0n) out.push(owedNow);
      }
      return out;
    },
    sweepable(id, token) {
      const model = modelOf(id, "sweepable");
      if (model.status !== ModelStatus.REVOKED || model.beneficiary === null) return null;
      const normalized = address(token);
      const entries: OwedEntry[] = [];
      for (const [epoch, epochState] of model.epochs) {
        if (!isSweepOnly(model, epoch) || epochState.tree === null) continue;
        for (const entry of epochState.tree.entries) {
          const owedNow = owedEntry(model, normalized, epoch, entry);
          if (owedNow.amount > 0n) entries.push(owedNow);
        }
      }
      return { beneficiary: model.beneficiary, entries };
    },
    fees: (token) => state.fees.get(address(token)) ?? 0n,
    balance: (token) => state.balances.get(address(token)) ?? 0n,
    totalOwed: (token) => owed(address(token)).total,
    owed: (token) => owed(address(token)),
    owedAfterFullPropagation(token) {
      const normalized = address(token);
      const clone = engineOver(cloneLedgerState(state));
      clone.propagateAll(normalized);
      return clone.owed(normalized);
    },
    effectiveShares: (id) => effectiveShares(state, idOf(id)),
    previewPay(id, token, amount) {
      const model = modelOf(id, "previewPay");
      const normalized = address(token);
      if (normalized === ZERO_ADDRESS)
        throw new LedgerEventError({ event: "Paid", reason: "the token is the zero address" });
      // What the router's pay refuses.
      const refused = (reason: string) => new InvalidAmountError({ name: "payment", value: amount, reason });
      if (amount <= 0n) throw refused("the router refuses a payment of 0 or less (RevenueRouterZeroAmount)");
      if (amount > MAX_LIFETIME_AMOUNT)
        throw refused(
          `the router refuses amounts above 2^112 - 1 = ${MAX_LIFETIME_AMOUNT} (RevenueRouterAmountTooLarge)`,
        );
      const fee = feeOf(amount, state.feePpm);
      const net = amount - fee;
      const received = peekToken(model, normalized).received + net;
      if (received > MAX_LIFETIME_AMOUNT)
        throw refused(
          `model ${model.id} would have received ${received} in total, above the router's 112-bit cap ${MAX_LIFETIME_AMOUNT} (RevenueRouterAmountTooLarge)`,
        );
      return { fee, net, ...paymentChanges(state, settled(normalized), model, normalized, net) };
    },
  };
  return { ledger, owed, propagateAll };
}
