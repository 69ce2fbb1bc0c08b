import type { Sql } from "../store/types.js";
import { decodeCursor, encodeCursor } from "./cursors.js";
import { badInput } from "./scalars.js";

/** A `models` row as the API reads it. */
export type ModelRow = {
  id: string;
  key: string;
  steward: string;
  placeholder: boolean;
  status: number;
  upstream_ppm: number;
  epoch: number;
  terms: { derivativesAllowed: boolean; minDerivativePpm: number };
  registered_block: string;
  license: string | null;
  metadata_uri: string | null;
  weights_digest: string | null;
  verified: boolean;
  provisional_until: string | null;
  dispute_cooldown_until: string | null;
  dismissed_disputes: number;
};

/** The columns of {ModelRow}, each with whether it is a bigint (`pg` reads those as decimal strings). */
export const MODEL_FIELDS: readonly (readonly [column: keyof ModelRow & string, bigint: boolean])[] = [
  ["id", false],
  ["key", false],
  ["steward", false],
  ["placeholder", false],
  ["status", false],
  ["upstream_ppm", false],
  ["epoch", false],
  ["terms", false],
  ["registered_block", true],
  ["license", false],
  ["metadata_uri", false],
  ["weights_digest", false],
  ["verified", false],
  ["provisional_until", true],
  ["dispute_cooldown_until", true],
  ["dismissed_disputes", false],
];

export const MODEL_COLUMNS = MODEL_FIELDS.map(([column]) => column).join(", ");

/** The `ModelFilter` input, as GraphQL parsed it (scalars already checked and normalised). */
export type ModelFilter = {
  AND?: ModelFilter[];
  OR?: ModelFilter[];
  id?: string;
  id_in?: string[];
  key?: string;
  key_contains?: string;
  key_starts_with?: string;
  steward?: string;
  /** A `ModelStatus` value: GraphQL maps the enum names to these numbers. */
  status?: number;
  status_in?: number[];
  placeholder?: boolean;
  verified?: boolean;
  provisional?: boolean;
  parent?: string;
  upstreamPpm_gt?: number;
  upstreamPpm_lt?: number;
  registeredBlock_gt?: bigint;
  registeredBlock_lt?: bigint;
};

const ORDER_COLUMNS = { KEY: "key", REGISTERED_BLOCK: "registered_block", UPSTREAM_PPM: "upstream_ppm" } as const;
export type ModelOrderBy = keyof typeof ORDER_COLUMNS;

/** The most models one page may hold. */
export const MAX_PAGE_SIZE = 100;

/** Refuses a page size outside 1..{MAX_PAGE_SIZE} with BAD_USER_INPUT. */
export function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}, not ${first}: page through with after.`);
  }
}

/** Escapes LIKE wildcards so that `key_contains: "50%"` matches the text `50%`. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Builds a parameterised WHERE clause from a filter; every value travels as a parameter, never as SQL text. */
export function whereClause(filter: ModelFilter | null | undefined, params: unknown[]): string {
  if (!filter) return "TRUE";
  const parts: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    parts.push(sql.replace("?", `$${params.length}`));
  };
  if (filter.id != null) add("id = ?", filter.id);
  if (filter.id_in != null) add("id = ANY(?)", filter.id_in);
  if (filter.key != null) add("key = ?", filter.key);
  if (filter.key_contains != null) add("key LIKE ?", `%${likeLiteral(filter.key_contains)}%`);
  if (filter.key_starts_with != null) add("key LIKE ?", `${likeLiteral(filter.key_starts_with)}%`);
  if (filter.steward != null) add("steward = ?", filter.steward);
  if (filter.status != null) add("status = ?", filter.status);
  if (filter.status_in != null) add("status = ANY(?)", filter.status_in);
  if (filter.placeholder != null) add("placeholder = ?", filter.placeholder);
  if (filter.verified != null) add("verified = ?", filter.verified);
  if (filter.provisional != null) add("(provisional_until IS NOT NULL) = ?", filter.provisional);
  if (filter.parent != null) add("id IN (SELECT model_id FROM model_parents WHERE parent_id = ?)", filter.parent);
  if (filter.upstreamPpm_gt != null) add("upstream_ppm > ?", filter.upstreamPpm_gt);
  if (filter.upstreamPpm_lt != null) add("upstream_ppm < ?", filter.upstreamPpm_lt);
  if (filter.registeredBlock_gt != null) add("registered_block > ?", filter.registeredBlock_gt.toString());
  if (filter.registeredBlock_lt != null) add("registered_block < ?", filter.registeredBlock_lt.toString());
  for (const nested of filter.AND ?? []) parts.push(`(${whereClause(nested, params)})`);
  if (filter.OR != null) {
    parts.push(filter.OR.length ? `(${filter.OR.map((f) => `(${whereClause(f, params)})`).join(" OR ")})` : "FALSE");
  }
  return parts.length ? parts.join(" AND ") : "TRUE";
}

type Cursor = [value: string | number, id: string];
const isModelCursor = (values: unknown[]) => values.length === 2 && typeof values[1] === "string";

export type ModelsPage = {
  rows: ModelRow[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  totalCount: () => Promise<number>;
};

/**
 * One page of models: keyset pagination on (order column, id), so pages stay stable and cheap however deep they go.
 * `totalCount` runs its own COUNT only when asked for. `select` (src/api/prefetch.ts) reads more than the models' own
 * columns: the models table is aliased `m`, and the select list's values come first in `params`.
 */
export async function modelsPage(
  sql: Sql,
  args: {
    first: number;
    after?: string | null;
    where?: ModelFilter | null;
    orderBy: ModelOrderBy;
    orderDirection: "ASC" | "DESC";
  },
  select: { list: string; params: unknown[]; prime?: (row: ModelRow) => ModelRow } = {
    list: MODEL_COLUMNS,
    params: [],
  },
): Promise<ModelsPage> {
  checkPageSize(args.first);
  const column = ORDER_COLUMNS[args.orderBy];
  const direction = args.orderDirection === "DESC" ? "DESC" : "ASC";
  const countParams: unknown[] = [];
  const countFilter = whereClause(args.where, countParams);
  const params = [...select.params];
  const filter = whereClause(args.where, params);
  let keyset = "TRUE";
  if (args.after != null) {
    const [value, id] = decodeCursor<Cursor>(args.after, "from this API", isModelCursor);
    params.push(value, id);
    keyset = `(${column}, id) ${direction === "ASC" ? ">" : "<"} ($${params.length - 1}, $${params.length})`;
  }
  params.push(args.first + 1);
  const rows = await sql.query<ModelRow>(
    `SELECT ${select.list} FROM models m WHERE (${filter}) AND ${keyset}
     ORDER BY ${column} ${direction}, id ${direction} LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, args.first).map((row) => select.prime?.(row) ?? row);
  return {
    rows: page,
    cursors: page.map((row) => encodeCursor([orderValue(row, args.orderBy), row.id])),
    hasNextPage: rows.length > args.first,
    hasPreviousPage: args.after != null,
    totalCount: async () => {
      const [row] = await sql.query<{ count: string }>(
        `SELECT count(*) AS count FROM models WHERE ${countFilter}`,
        countParams,
      );
      return Number(row!.count);
    },
  };
}

function orderValue(row: ModelRow, orderBy: ModelOrderBy): string | number {
  if (orderBy === "KEY") return row.key;
  if (orderBy === "UPSTREAM_PPM") return row.upstream_ppm;
  return row.registered_block;
}
