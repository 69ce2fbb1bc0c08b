import type { Abi, Address, Hex } from "viem";

import type { RpcLog } from "../rpc/types.js";
import type { Sql } from "../store/types.js";
import { decodeLogs, type IndexedEvent } from "./decodeLogs.js";

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
export function logOfRow(row: StoredLogRow): RpcLog {
  return {
    address: row.address,
    topics: row.topics.split(",") as RpcLog["topics"],
    data: row.data,
    blockNumber: BigInt(row.block_number),
    blockHash: row.block_hash,
    transactionHash: row.transaction_hash,
    transactionIndex: 0,
    logIndex: Number(row.log_index),
    removed: false,
  };
}

/**
 * The stored ledger events in chain order, decoded again from their raw logs (so a replay sees exactly what the
 * indexer saw); with `after`, only those after that position.
 */
export async function storedEvents(sql: Sql, abi: Abi, after?: EventPosition): Promise<IndexedEvent[]> {
  const rows = await sql.query<StoredLogRow>(
    `SELECT ${STORED_LOG_COLUMNS} FROM ledger_events
     ${after ? "WHERE (block_number, log_index) > ($1, $2)" : ""} ORDER BY block_number, log_index`,
    after ? [after.blockNumber.toString(), after.logIndex] : [],
  );
  return decodeLogs(abi, rows.map(logOfRow));
}
