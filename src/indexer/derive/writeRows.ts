import type { Sql } from "../store/types.js";

/** Rows per statement: well under PostgreSQL's 65,535 parameters for the widest table. */
const CHUNK = 1_000;

/**
 * Inserts `rows` into `table` with multi-row statements; with `conflict` (the primary key's columns), existing rows
 * are updated in place (`ON CONFLICT ... DO UPDATE`). Values are passed as parameters, amounts as decimal strings.
 */
export async function writeRows(
  tx: Sql,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  conflict?: readonly string[],
): Promise<void> {
  const update = conflict
    ? ` ON CONFLICT (${conflict.join(", ")}) DO UPDATE SET ${columns
        .filter((c) => !conflict.includes(c))
        .map((c) => `${c} = EXCLUDED.${c}`)
        .join(", ")}`
    : "";
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await tx.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}${update}`, params);
  }
}
