import { parseEventLogs, type Abi, type Address, type Hex } from "viem";

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

/**
 * Decodes the registry's and router's logs into ledger events, in the order given, keeping their positions. Logs of
 * events that move no money (roles, dispute bookkeeping, token policy) are dropped.
 */
export function decodeLogs(abi: Abi, logs: readonly RpcLog[]): IndexedEvent[] {
  const decoded = parseEventLogs({
    abi,
    strict: true,
    logs: logs.map((log) => ({ ...log, topics: log.topics as [Hex, ...Hex[]] })),
  });
  const events: IndexedEvent[] = [];
  for (const log of decoded) {
    if (!log.eventName || !LEDGER_EVENT_NAMES.has(log.eventName)) continue;
    events.push({
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      blockHash: log.blockHash,
      transactionHash: log.transactionHash,
      event: { type: log.eventName, ...(log.args as object) } as LedgerEvent,
      raw: { address: log.address, topics: [...log.topics], data: log.data },
    });
  }
  return events;
}
