import type { Sql } from "../store/types.js";
import { decodeCursor, encodeCursor } from "./cursors.js";
import { checkPageSize } from "./modelQueries.js";
import { badInput } from "./scalars.js";

/** An `effective_shares` row as the API serves it (`role` null for kinds without one). */
export type ShareRow = {
  kind: string;
  party: string;
  role: number | null;
  numerator: string;
  denominator: string;
  ppm: number;
};

export type SharesPage = { totalCount: number; rows: ShareRow[]; cursors: string[]; hasNextPage: boolean };

type ShareCursor = [ppm: number, kind: string, party: string, role: number];

const isShareCursor = (values: unknown[]) =>
  values.length === 4 &&
  Number.isInteger(values[0]) &&
  typeof values[1] === "string" &&
  typeof values[2] === "string" &&
  Number.isInteger(values[3]);

/**
 * One page of a model's effective shares, largest first (by ppm, then kind, party and role, so that the order is
 * total and pages never overlap), with the count of every share of at least `minPpm`: one statement, or `null` when
 * no model has the id. Keyset pagination, as for models.
 */
export async function sharesPage(
  sql: Sql,
  args: { model: string; first: number; after?: string | null; minPpm: number },
): Promise<SharesPage | null> {
  checkPageSize(args.first);
  if (!Number.isInteger(args.minPpm) || args.minPpm < 0 || args.minPpm > 1_000_000) {
    throw badInput(`minPpm must be between 0 and 1000000, not ${args.minPpm}.`);
  }
  const params: unknown[] = [args.model, args.minPpm, args.first + 1];
  let keyset = "TRUE";
  if (args.after != null) {
    params.push(...decodeCursor<ShareCursor>(args.after, "of effectiveShares", isShareCursor));
    // Descending ppm, then ascending kind, party and role.
    keyset = "(-s.ppm, s.kind, s.party, s.role) > (-$4::int, $5::text, $6::text, $7::int)";
  }
  const [row] = await sql.query<{ total: string; shares: (Omit<ShareRow, "role"> & { role: number })[] }>(
    `SELECT
       (SELECT count(*) FROM effective_shares s WHERE s.model_id = m.id AND s.ppm >= $2) AS total,
       (SELECT coalesce(json_agg(page ORDER BY page.ppm DESC, page.kind, page.party, page.role), '[]'::json)
        FROM (SELECT s.kind, s.party, s.role, s.numerator::text AS numerator, s.denominator::text AS denominator, s.ppm
              FROM effective_shares s WHERE s.model_id = m.id AND s.ppm >= $2 AND ${keyset}
              ORDER BY s.ppm DESC, s.kind, s.party, s.role LIMIT $3) page) AS shares
     FROM models m WHERE m.id = $1`,
    params,
  );
  if (!row) return null;
  const rows = row.shares.slice(0, args.first).map((r) => ({ ...r, role: r.role < 0 ? null : r.role }));
  return {
    totalCount: Number(row.total),
    rows,
    cursors: rows.map((r) => encodeCursor([r.ppm, r.kind, r.party, r.role ?? -1])),
    hasNextPage: row.shares.length > args.first,
  };
}
