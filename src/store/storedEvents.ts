import type { Abi, Address, Hex } from "viem";

import type { MinedLog } from "../chain/decodeLogs.js";
import { decodeStoredLogs, type StoredIndexedEvent } from "./trustEvents.js";
import type { Sql } from "./types.js";

export type { StoredIndexedEvent };

/** A position in the chain's event order. */
export type EventPosition = { blockNumber: bigint; logIndex: number };

/** The `ledger_events` columns a stored log is rebuilt from. */
export const STORED_LOG_COLUMNS = "block_number, log_index, block_hash, transaction_hash, address, topics, data";

export type StoredLogRow = {
  block_number: string;
  log_index: number;
  block_hash: Hex;
  transaction_hash: Hex;
  address: Address;
  topics: string;
  data: Hex;
};

/** A stored row as the log it was (the fields decoding needs). */
function logOfRow(row: StoredLogRow): MinedLog {
  return {
    address: row.address,
    topics: row.topics.split(",") as Hex[],
    data: row.data,
    blockNumber: BigInt(row.block_number),
    blockHash: row.block_hash,
    transactionHash: row.transaction_hash,
    logIndex: Number(row.log_index),
  };
}

/** Stored rows (selected with {@link STORED_LOG_COLUMNS}) decoded again into the events they were. */
export function decodeStoredRows(abi: Abi, rows: readonly StoredLogRow[]): StoredIndexedEvent[] {
  return decodeStoredLogs(abi, rows.map(logOfRow));
}

/**
 * The stored ledger events in chain order, decoded again from their raw logs (so a replay sees exactly what the
 * indexer saw); with `after`, only those after that position.
 */
export async function storedEvents(sql: Sql, abi: Abi, after?: EventPosition): Promise<StoredIndexedEvent[]> {
  const rows = await sql.query<StoredLogRow>(
    `SELECT ${STORED_LOG_COLUMNS} FROM ledger_events
     ${after ? "WHERE (block_number, log_index) > ($1, $2)" : ""} ORDER BY block_number, log_index`,
    after ? [after.blockNumber.toString(), after.logIndex] : [],
  );
  return decodeStoredRows(abi, rows);
}
