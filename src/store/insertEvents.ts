import type { Sql } from "./types.js";
import type { StoredIndexedEvent } from "./trustEvents.js";

/** Inserts the events as eight column arrays (`unnest`): one statement and eight parameters however many rows. */
export async function insertEvents(tx: Sql, events: readonly StoredIndexedEvent[]) {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO ledger_events (block_number, log_index, block_hash, transaction_hash, event_type, address, topics, data)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
    [
      events.map((e) => e.blockNumber.toString()),
      events.map((e) => e.logIndex),
      events.map((e) => e.blockHash),
      events.map((e) => e.transactionHash),
      events.map((e) => e.event.type),
      events.map((e) => e.raw.address),
      events.map((e) => e.raw.topics.join(",")),
      events.map((e) => e.raw.data),
    ],
  );
}
