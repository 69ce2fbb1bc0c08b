import {
  decodeEventLog,
  keccak256,
  stringToHex,
  toEventSelector,
  type Abi,
  type AbiEvent,
  type Address,
  type Hex,
} from "viem";

import { decodeLogs, type IndexedEvent, type MinedLog } from "../chain/decodeLogs.js";

/**
 * Registry and router events of the trust rules (issue 13) that move no money and are neither ledger events nor
 * core's records, but that the API serves: reassignments, the attester set, governed settings, the guardian role,
 * redirected claims and token policies. The indexer stores their raw logs in `ledger_events` next to the others.
 */
export type TrustEvent =
  | { type: "ModelReassigned"; id: Hex; steward: Address }
  | { type: "AttesterUpdated"; attester: Address; appointed: boolean }
  | { type: "AttesterThresholdUpdated"; threshold: number }
  | { type: "TrustPeriodsUpdated"; periods: { provisional: number; disputeCooldown: number; epochRenewal: number } }
  | { type: "DisputeBondUpdated"; bond: bigint }
  | { type: "RoleGranted"; role: Hex; account: Address; sender: Address }
  | { type: "RoleRevoked"; role: Hex; account: Address; sender: Address }
  | { type: "ClaimRedirected"; account: Address; token: Address; recipient: Address; total: bigint }
  | { type: "TokenPolicyUpdated"; token: Address; policy: number }
  | { type: "AllowlistModeUpdated"; allowlistOnly: boolean };

/** The registry's role whose holders may dismiss a dispute at once (never uphold it). */
export const GUARDIAN_ROLE: Hex = keccak256(stringToHex("GUARDIAN_ROLE"));

export const TRUST_EVENT_NAMES: ReadonlySet<string> = new Set<TrustEvent["type"]>([
  "ModelReassigned",
  "AttesterUpdated",
  "AttesterThresholdUpdated",
  "TrustPeriodsUpdated",
  "DisputeBondUpdated",
  "RoleGranted",
  "RoleRevoked",
  "ClaimRedirected",
  "TokenPolicyUpdated",
  "AllowlistModeUpdated",
]);

/** An indexed event of either kind: the ledger's and core's records (decodeLogs), or a {@link TrustEvent}. */
export type StoredIndexedEvent = IndexedEvent | (Omit<IndexedEvent, "event"> & { event: TrustEvent });

/** Per ABI: the trust events' ABI items by topic 0 (the first of a name wins: both contracts emit the role events). */
const itemsByAbi = new WeakMap<Abi, Map<Hex, AbiEvent>>();

function trustItemsOf(abi: Abi): Map<Hex, AbiEvent> {
  let byTopic = itemsByAbi.get(abi);
  if (!byTopic) {
    byTopic = new Map();
    for (const item of abi) {
      if (item.type !== "event" || !TRUST_EVENT_NAMES.has(item.name)) continue;
      const topic = toEventSelector(item);
      if (!byTopic.has(topic)) byTopic.set(topic, item);
    }
    itemsByAbi.set(abi, byTopic);
  }
  return byTopic;
}

/**
 * Decodes mined registry and router logs into every event the indexer stores, in the order given: decodeLogs's,
 * and the trust events. Like decodeLogs, a log that does not match its event's ABI throws.
 */
export function decodeStoredLogs(abi: Abi, logs: readonly MinedLog[]): StoredIndexedEvent[] {
  const items = trustItemsOf(abi);
  const trust: StoredIndexedEvent[] = [];
  for (const log of logs) {
    const topic0 = log.topics[0];
    const item = topic0 === undefined ? undefined : items.get(topic0);
    if (!item) continue;
    const { eventName, args } = decodeEventLog({
      abi: [item],
      topics: log.topics as [Hex, ...Hex[]],
      data: log.data,
      strict: true,
    });
    trust.push({
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      // Decoded with an ABI item read at run time, the arguments are what the contracts' event declares.
      event: { type: eventName, ...(args as Record<string, unknown>) } as TrustEvent,
      raw: { address: log.address, topics: [...log.topics], data: log.data },
    });
  }
  const rest: StoredIndexedEvent[] = decodeLogs(abi, logs);
  if (trust.length === 0) return rest;
  // Both lists follow the logs' order: merge them by position.
  const merged: StoredIndexedEvent[] = [];
  let i = 0;
  let j = 0;
  const before = (a: StoredIndexedEvent, b: StoredIndexedEvent) =>
    a.blockNumber < b.blockNumber || (a.blockNumber === b.blockNumber && a.logIndex < b.logIndex);
  while (i < rest.length || j < trust.length) {
    if (j >= trust.length || (i < rest.length && before(rest[i]!, trust[j]!))) merged.push(rest[i++]!);
    else merged.push(trust[j++]!);
  }
  return merged;
}
