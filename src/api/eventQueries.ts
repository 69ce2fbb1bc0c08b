import type { Abi, Hex } from "viem";

import type { Sql } from "../store/types.js";
import {
  STORED_LOG_COLUMNS,
  decodeStoredRows,
  type StoredIndexedEvent,
  type StoredLogRow,
} from "../store/storedEvents.js";
import { checkPageSize } from "./modelQueries.js";
import { badInput } from "./scalars.js";

export type EventsPage = { events: StoredIndexedEvent[]; cursors: string[]; hasNextPage: boolean };

/** An edge's cursor: its position in the chain. */
export const cursorOf = (e: { blockNumber: bigint; logIndex: number }) =>
  Buffer.from(`${e.blockNumber}:${e.logIndex}`).toString("base64url");

/** The position a cursor from {cursorOf} names; BAD_USER_INPUT for anything else. */
export function positionOf(cursor: string): [string, number] {
  const match = /^(\d+):(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) throw badInput(`"${cursor}" is not a cursor from this API: pass an edge's cursor or pageInfo.endCursor.`);
  return [match[1]!, Number(match[2])];
}

/**
 * The indexed parameter each event type is looked up by: the model a payment went to, the account a claim paid. The
 * expressions and event types are spelled as in migration 2's partial indexes, so that PostgreSQL uses those.
 */
const LOOKUPS = {
  Paid: { type: "'Paid'", topic: "split_part(topics, ',', 2)" },
  Claimed: { type: "'Claimed'", topic: "split_part(topics, ',', 4)" },
} as const;

/**
 * One page of stored events of one type whose looked-up indexed parameter is `value`, newest first: the payments
 * into a model (`Paid`) or an account's claims (`Claimed`), decoded from the raw logs.
 */
export async function eventsPage(
  sql: Sql,
  abi: Abi,
  args: { type: keyof typeof LOOKUPS; value: Hex; first: number; after?: string | null },
): Promise<EventsPage> {
  checkPageSize(args.first);
  const lookup = LOOKUPS[args.type];
  const params: unknown[] = [args.value.toLowerCase()];
  let keyset = "";
  if (args.after != null) {
    params.push(...positionOf(args.after));
    keyset = `AND (block_number, log_index) < ($2, $3)`;
  }
  params.push(args.first + 1);
  const rows = await sql.query<StoredLogRow>(
    `SELECT ${STORED_LOG_COLUMNS} FROM ledger_events
     WHERE event_type = ${lookup.type} AND ${lookup.topic} = $1 ${keyset}
     ORDER BY block_number DESC, log_index DESC LIMIT $${params.length}`,
    params,
  );
  const events = decodeStoredRows(abi, rows.slice(0, args.first));
  return { events, cursors: events.map(cursorOf), hasNextPage: rows.length > args.first };
}
