import type { Address, Hex } from "viem";

import { LEDGER_EVENT_NAMES, type LedgerEvent } from "./ledgerEvent.js";

/**
 * Registry events that move no money but that the API serves: metadata changes and the life of disputes. The
 * indexer stores them next to the ledger events; the ledger engine never sees them.
 */
export type MetadataUpdatedEvent = {
  type: "MetadataUpdated";
  id: Hex;
  weightsDigest: Hex;
  metadataURI: string;
  license: string;
};

export type DisputeRaisedEvent = {
  type: "DisputeRaised";
  disputeId: bigint;
  modelId: Hex;
  disputer: Address;
  evidenceHash: Hex;
  bond: bigint;
};

/** `beneficiary` is zero when the dispute was dismissed. */
export type DisputeResolvedEvent = {
  type: "DisputeResolved";
  disputeId: bigint;
  modelId: Hex;
  upheld: boolean;
  beneficiary: Address;
};

export type DisputeBondWithdrawnEvent = {
  type: "DisputeBondWithdrawn";
  disputeId: bigint;
  recipient: Address;
  amount: bigint;
};

export type RecordEvent = MetadataUpdatedEvent | DisputeRaisedEvent | DisputeResolvedEvent | DisputeBondWithdrawnEvent;

/** Every event the indexer keeps. */
export type StoredEvent = LedgerEvent | RecordEvent;

export const RECORD_EVENT_NAMES: ReadonlySet<string> = new Set<RecordEvent["type"]>([
  "MetadataUpdated",
  "DisputeRaised",
  "DisputeResolved",
  "DisputeBondWithdrawn",
]);

/** The events the indexer decodes and stores: the ledger's, then the records above. */
export const STORED_EVENT_NAMES: ReadonlySet<string> = new Set([...LEDGER_EVENT_NAMES, ...RECORD_EVENT_NAMES]);

export const isLedgerEvent = (event: StoredEvent): event is LedgerEvent => LEDGER_EVENT_NAMES.has(event.type);
