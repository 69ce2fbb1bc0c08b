import { parseEventLogs, type Abi, type Log } from "viem";
import type { LedgerEvent, LedgerEventName } from "../core/ledgerEvent.js";

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

export type DecodeLedgerLogsParameters = {
  /** The registry's and the router's ABIs together (events of other contracts are ignored). */
  abi: Abi;
  /** Raw logs of the registry and the router, in chain order (block number, then log index). */
  logs: readonly Log[];
};

/**
 * Turns raw registry and router logs into the ledger's events, in the order given. Logs of other events (roles,
 * disputes' bookkeeping, token policy) are dropped: they do not move money.
 *
 * @example
 * import { decodeLedgerLogs } from "./decodeLedgerLogs.js";
 * const events = decodeLedgerLogs({ abi: [...registryAbi, ...routerAbi], logs });
 * ledger.applyAll(events);
 */
export function decodeLedgerLogs({ abi, logs }: DecodeLedgerLogsParameters): LedgerEvent[] {
  const decoded = parseEventLogs({ abi, logs: [...logs], strict: true });
  const events: LedgerEvent[] = [];
  for (const log of decoded) {
    if (!log.eventName || !LEDGER_EVENT_NAMES.has(log.eventName)) continue;
    events.push({ type: log.eventName, ...(log.args as object) } as LedgerEvent);
  }
  return events;
}
