import type { Sql } from "../store/types.js";
import type { ModelRow } from "./modelQueries.js";
import { badInput } from "./scalars.js";

/** The deepest lineage walk a query may ask for (Stemma lineages stay far shallower; this bounds the work). */
export const MAX_LINEAGE_DEPTH = 64;

/** A model of a lineage; `model`: some columns of its row, when a prefetch read them (src/api/prefetch.ts). */
export type LineageRow = { id: string; depth: number; model?: Partial<ModelRow> };

/** Whether `depth` is a lineage depth a query may ask for: 1..{MAX_LINEAGE_DEPTH}. */
export const isLineageDepth = (depth: number) => Number.isInteger(depth) && depth >= 1 && depth <= MAX_LINEAGE_DEPTH;

/** Refuses a lineage depth outside 1..{MAX_LINEAGE_DEPTH} with BAD_USER_INPUT; returns it. */
export function checkDepth(depth: number): number {
  if (!isLineageDepth(depth)) {
    throw badInput(`maxDepth must be between 1 and ${MAX_LINEAGE_DEPTH}, not ${depth}.`);
  }
  return depth;
}

/**
 * Every model `direction` of `id` (its ancestors: `up`; its descendants: `down`) within `maxDepth` hops, each at
 * its shortest distance, nearest first: one recursive query, however wide the lineage.
 */
export async function lineage(sql: Sql, id: string, direction: "up" | "down", maxDepth: number): Promise<LineageRow[]> {
  const [from, to] = direction === "up" ? ["model_id", "parent_id"] : ["parent_id", "model_id"];
  return sql.query<LineageRow>(
    `WITH RECURSIVE walk(id, depth) AS (
       SELECT ${to}, 1 FROM model_parents WHERE ${from} = $1
       UNION
       SELECT p.${to}, walk.depth + 1 FROM model_parents p JOIN walk ON p.${from} = walk.id WHERE walk.depth < $2
     )
     SELECT id, min(depth)::int AS depth FROM walk GROUP BY id ORDER BY depth, id`,
    [id, checkDepth(maxDepth)],
  );
}

/** The key of a lineage in the request's `lineage` loader (src/api/loaders.ts). */
export const lineageKey = (id: string, direction: "up" | "down", maxDepth: number) => `${id}|${direction}|${maxDepth}`;

/** The child-to-parent edges among `ids`. */
export async function edgesAmong(
  sql: Sql,
  ids: readonly string[],
): Promise<{ child: string; parent: string; relation: number; weightPpm: number }[]> {
  const rows = await sql.query<{ model_id: string; parent_id: string; relation: number; weight_ppm: number }>(
    `SELECT model_id, parent_id, relation, weight_ppm FROM model_parents
     WHERE model_id = ANY($1) AND parent_id = ANY($1) ORDER BY model_id, position`,
    [[...ids]],
  );
  return rows.map((r) => ({ child: r.model_id, parent: r.parent_id, relation: r.relation, weightPpm: r.weight_ppm }));
}
