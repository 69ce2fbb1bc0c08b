import type { Sql } from "../../store/types.js";

/** Parameters per statement: under PostgreSQL's limit of 65,535, and few statements for big batches. */
const MAX_PARAMETERS = 60_000;

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
  const rowsPerStatement = Math.floor(MAX_PARAMETERS / columns.length);
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
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
