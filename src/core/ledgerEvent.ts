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

/**
 * IModelRegistry `ModelProvisional`: follows the `ModelRegistered` of a registration without attestation (in the
 * same transaction, after the first `ContributorsSet`). Payments arrive, but nothing leaves the model (no
 * propagation, no claims) until `ModelVerified` or `ProvisionEnded`.
 */
export type ModelProvisionalEvent = {
  type: "ModelProvisional";
  id: Hex;
  /** Unix time (seconds) after which anyone may end the provisional state. */
  until: number;
};

/**
 * IModelRegistry `ModelVerified`: attesters confirmed `steward` (at registration, `verify` or `claimModel`); a
 * provisional model stops being provisional.
 */
export type ModelVerifiedEvent = {
  type: "ModelVerified";
  id: Hex;
  steward: Address;
  revision: Hex;
  /** The identity nonce the attestation used up. */
  nonce: number;
};

/** IModelRegistry `ProvisionEnded`: a provisional model's window passed with no verified claimant. */
export type ProvisionEndedEvent = {
  type: "ProvisionEnded";
  id: Hex;
};

/** IModelRegistry `LineageCorrected`: a verified claimant replaced a provisional model's lineage (nothing had moved). */
export type LineageCorrectedEvent = {
  type: "LineageCorrected";
  id: Hex;
  upstreamPpm: number;
  parents: readonly ParentEdge[];
};

/**
 * IModelRegistry `BeneficiaryReplaced`: a revoked model's beneficiary changed. The router's `StatusUpdated`
 * (`REVOKED`, the new beneficiary) and the new epoch's `ContributorsSet` follow.
 */
export type BeneficiaryReplacedEvent = {
  type: "BeneficiaryReplaced";
  id: Hex;
  previous: Address;
  beneficiary: Address;
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

/**
 * IRevenueRouter `ContributorSwept`: an unclaimed entitlement of a revoked model paid to its current beneficiary:
 * one of the contested epoch (`revokedEpoch - 1`) or of an earlier beneficiary's epoch (after a replacement).
 */
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
  | ModelProvisionalEvent
  | ModelVerifiedEvent
  | ProvisionEndedEvent
  | LineageCorrectedEvent
  | BeneficiaryReplacedEvent
  | StatusUpdatedEvent
  | PaidEvent
  | PropagatedEvent
  | ClaimedEvent
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
  "ModelProvisional",
  "ModelVerified",
  "ProvisionEnded",
  "LineageCorrected",
  "BeneficiaryReplaced",
  "StatusUpdated",
  "Paid",
  "Propagated",
  "Claimed",
  "ContributorSwept",
  "FeeUpdated",
  "FeesWithdrawn",
]);
