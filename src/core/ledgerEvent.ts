import type { Address, Hex } from "viem";
import type { Contributor, ParentEdge, Terms } from "./types.js";

/**
 * The contract events the ledger applies, as plain objects: `type` is the Solidity event name and the other fields
 * are the event's parameters under their Solidity names, as viem decodes them (`uint32` and enums as `number`,
 * `uint256` as `bigint`). An indexer builds one with `{ type: log.eventName, ...log.args }`.
 */

/** IModelRegistry `ModelRegistered`. The first contributor set follows in a {@link ContributorsSetEvent} (epoch 0). */
export type ModelRegisteredEvent = {
  type: "ModelRegistered";
  id: Hex;
  key: string;
  steward: Address;
  upstreamPpm: number;
  parents: readonly ParentEdge[];
  terms: Terms;
  /** Not used by the ledger. */
  weightsDigest?: Hex;
  /** Not used by the ledger. */
  metadataURI?: string;
  /** Not used by the ledger. */
  license?: string;
};

/** IModelRegistry `PlaceholderRegistered`: no steward, no parents, no contributors (escrow), derivatives allowed. */
export type PlaceholderRegisteredEvent = {
  type: "PlaceholderRegistered";
  id: Hex;
  key: string;
  registrant: Address;
};

/**
 * IModelRegistry `ContributorsSet`. An epoch above the current one starts it; the current epoch's set is assigned
 * when it has none yet (registration, placeholder assignment) and confirmed when it is the same set (revocation).
 */
export type ContributorsSetEvent = {
  type: "ContributorsSet";
  id: Hex;
  epoch: number;
  root: Hex;
  contributors: readonly Contributor[];
};

/** IModelRegistry `StewardshipTransferred` (a transfer accepted, or a placeholder assigned). */
export type StewardshipTransferredEvent = {
  type: "StewardshipTransferred";
  id: Hex;
  previousSteward: Address;
  newSteward: Address;
};

/** IModelRegistry `TermsUpdated`. */
export type TermsUpdatedEvent = {
  type: "TermsUpdated";
  id: Hex;
  terms: Terms;
};

/** IRevenueRouter `StatusUpdated`. `REVOKED` starts the beneficiary's epoch (the registry also emits its set). */
export type StatusUpdatedEvent = {
  type: "StatusUpdated";
  modelId: Hex;
  /** A `ModelStatus` value. */
  status: number;
  /** The beneficiary when `REVOKED`, else zero. */
  beneficiary: Address;
};

/** IRevenueRouter `Paid`: `fee` to the treasury, `amount - fee` to the model's `received`. */
export type PaidEvent = {
  type: "Paid";
  modelId: Hex;
  token: Address;
  payer: Address;
  amount: bigint;
  fee: bigint;
};

/** IRevenueRouter `Propagated`: `amount` pushed one hop; `pushedTotal` is the lifetime pushed upstream after it. */
export type PropagatedEvent = {
  type: "Propagated";
  modelId: Hex;
  token: Address;
  amount: bigint;
  pushedTotal: bigint;
};

/** IRevenueRouter `Claimed`: one entry's entitlement paid to its account. */
export type ClaimedEvent = {
  type: "Claimed";
  modelId: Hex;
  token: Address;
  account: Address;
  epoch: number;
  cumulativeBefore: number;
  amount: bigint;
};

/** IRevenueRouter `UpstreamSwept`: a revoked model's not-yet-pushed upstream paid to its beneficiary. */
export type UpstreamSweptEvent = {
  type: "UpstreamSwept";
  modelId: Hex;
  token: Address;
  beneficiary: Address;
  amount: bigint;
};

/** IRevenueRouter `ContributorSwept`: an unclaimed entitlement of a revoked model's earlier epoch paid to its beneficiary. */
export type ContributorSweptEvent = {
  type: "ContributorSwept";
  modelId: Hex;
  token: Address;
  beneficiary: Address;
  epoch: number;
  cumulativeBefore: number;
  amount: bigint;
};

/** IRevenueRouter `FeeUpdated`. */
export type FeeUpdatedEvent = {
  type: "FeeUpdated";
  feePpm: number;
};

/** IRevenueRouter `FeesWithdrawn`. */
export type FeesWithdrawnEvent = {
  type: "FeesWithdrawn";
  token: Address;
  to: Address;
  amount: bigint;
};

/** Every event that changes the ledger. */
export type LedgerEvent =
  | ModelRegisteredEvent
  | PlaceholderRegisteredEvent
  | ContributorsSetEvent
  | StewardshipTransferredEvent
  | TermsUpdatedEvent
  | StatusUpdatedEvent
  | PaidEvent
  | PropagatedEvent
  | ClaimedEvent
  | UpstreamSweptEvent
  | ContributorSweptEvent
  | FeeUpdatedEvent
  | FeesWithdrawnEvent;

export type LedgerEventName = LedgerEvent["type"];

/** The registry's and router's events that the ledger applies; the others (roles, bookkeeping) move no money. */
export const LEDGER_EVENT_NAMES: ReadonlySet<string> = new Set<LedgerEventName>([
  "ModelRegistered",
  "PlaceholderRegistered",
  "ContributorsSet",
  "StewardshipTransferred",
  "TermsUpdated",
  "StatusUpdated",
  "Paid",
  "Propagated",
  "Claimed",
  "UpstreamSwept",
  "ContributorSwept",
  "FeeUpdated",
  "FeesWithdrawn",
]);
