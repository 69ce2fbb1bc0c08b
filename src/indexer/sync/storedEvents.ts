import type { Abi, Address, Hex } from "viem";

import type { RpcLog } from "../rpc/types.js";
import type { Sql } from "../store/types.js";
import { decodeLogs, type IndexedEvent } from "./decodeLogs.js";

/** A position in the chain's event order. */
export type EventPosition = { blockNumber: bigint; logIndex: number };

/**
 * The stored ledger events in chain order, decoded again from their raw logs (so a replay sees exactly what the
 * indexer saw); with `after`, only those after that position.
 */
export async function storedEvents(sql: Sql, abi: Abi, after?: EventPosition): Promise<IndexedEvent[]> {
  const rows = await sql.query<{
    block_number: string;
    log_index: number;
    block_hash: Hex;
    transaction_hash: Hex;
    address: Address;
    topics: string;
    data: Hex;
  }>(
    `SELECT block_number, log_index, block_hash, transaction_hash, address, topics, data FROM ledger_events
     ${after ? "WHERE (block_number, log_index) > ($1, $2)" : ""} ORDER BY block_number, log_index`,
    after ? [after.blockNumber.toString(), after.logIndex] : [],
  );
  return decodeLogs(
    abi,
    rows.map((row) => ({
      address: row.address,
      topics: row.topics.split(",") as Hex[],
      data: row.data,
      blockNumber: BigInt(row.block_number),
      blockHash: row.block_hash,
      transactionHash: row.transaction_hash,
      transactionIndex: 0,
      logIndex: Number(row.log_index),
      removed: false,
    })) as RpcLog[],
  );
}
