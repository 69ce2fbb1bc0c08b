import { decodeEventLog, toEventSelector, type Abi, type AbiEvent, type Address, type Hex } from "viem";

import { LEDGER_EVENT_NAMES } from "../../chain/decodeLedgerLogs.js";
import type { LedgerEvent } from "../../core/ledgerEvent.js";
import type { RpcLog } from "../rpc/types.js";

/** A ledger event with where it happened. `raw` is the log as stored, so a replay decodes exactly the same event. */
export type IndexedEvent = {
  blockNumber: bigint;
  logIndex: number;
  blockHash: Hex;
  transactionHash: Hex;
  event: LedgerEvent;
  raw: RawLog;
};

/** The part of a log that decoding needs. */
export type RawLog = { address: Address; topics: Hex[]; data: Hex };

/** Per ABI: its ledger events by topic 0, each as a one-item ABI (so decoding never scans the whole ABI). */
const eventsByTopic = new WeakMap<Abi, Map<Hex, readonly [AbiEvent]>>();

function ledgerEventsOf(abi: Abi): Map<Hex, readonly [AbiEvent]> {
  let byTopic = eventsByTopic.get(abi);
  if (!byTopic) {
    byTopic = new Map();
    for (const item of abi) {
      if (item.type === "event" && LEDGER_EVENT_NAMES.has(item.name)) byTopic.set(toEventSelector(item), [item]);
    }
    eventsByTopic.set(abi, byTopic);
  }
  return byTopic;
}

/**
 * Decodes the registry's and router's logs into ledger events, in the order given, keeping their positions. Logs of
 * events that move no money (roles, dispute bookkeeping, token policy) are dropped. A log whose topics or data do
 * not match its event's ABI throws: the indexer never guesses.
 */
export function decodeLogs(abi: Abi, logs: readonly RpcLog[]): IndexedEvent[] {
  const byTopic = ledgerEventsOf(abi);
  const events: IndexedEvent[] = [];
  for (const log of logs) {
    const topic0 = log.topics[0];
    const item = topic0 === undefined ? undefined : byTopic.get(topic0);
    if (!item) continue;
    const topics = log.topics as [Hex, ...Hex[]];
    const { eventName, args } = decodeEventLog({ abi: item, topics, data: log.data, strict: true });
    events.push({
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      event: { type: eventName, ...(args as object) } as LedgerEvent,
      raw: { address: log.address, topics: [...topics], data: log.data },
    });
  }
  return events;
}
