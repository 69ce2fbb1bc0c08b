import {
  Kind,
  getArgumentValues,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from "graphql";

import type { ContributorRow, Loaders, ParentRow } from "./loaders.js";
import { MODEL_FIELDS, type ModelRow } from "./modelQueries.js";
import { isLineageDepth, lineageKey, type LineageRow } from "./lineageQueries.js";

/**
 * What a selection of models asks for beyond their own columns, so that one statement reads it all: parents (with
 * the parents' rows when `parent` is selected), the current contributors, and lineages (with their models' rows).
 * Fetching ahead never changes an answer: the resolvers still go through the loaders, which this only primes; a
 * field the prefetch does not cover loads as before, in a statement of its own.
 */
export type ModelPrefetch = {
  /** `parentColumns`: the columns the parents' selection needs (none: the parents' rows are not read). */
  parents?: { parentColumns: readonly string[] };
  contributors?: true;
  ancestors?: { maxDepth: number; modelColumns: readonly string[] };
  descendants?: { maxDepth: number; modelColumns: readonly string[] };
};

/**
 * The columns each field of `Model` reads from its row; a field missing here (a new one) reads them all. Relations
 * need the id (and `contributors` the current epoch).
 */
const FIELD_COLUMNS: Record<string, readonly string[]> = {
  __typename: [],
  id: ["id"],
  key: ["key"],
  steward: ["steward"],
  placeholder: ["placeholder"],
  status: ["status"],
  upstreamPpm: ["upstream_ppm"],
  epoch: ["epoch"],
  terms: ["terms"],
  license: ["license"],
  metadataURI: ["metadata_uri"],
  weightsDigest: ["weights_digest"],
  registeredBlock: ["registered_block"],
  verified: ["verified"],
  provisional: ["provisional_until"],
  provisionalUntil: ["provisional_until"],
  disputeCooldownUntil: ["dispute_cooldown_until"],
  dismissedDisputes: ["dismissed_disputes"],
  nextDisputeBond: ["dismissed_disputes"],
  contributors: ["id", "epoch"],
  ...Object.fromEntries(
    [
      "attestations",
      "lineageCorrections",
      "reassignments",
      "beneficiaryReplacements",
      "parents",
      "contributorHistory",
      "disputes",
      "revenue",
      "payments",
      "children",
      "ancestors",
      "descendants",
    ].map((field) => [field, ["id"]]),
  ),
};

const ALL_COLUMNS = MODEL_FIELDS.map(([column]) => column);

/** The model columns a selection of Model fields reads (sorted, so that equal selections give equal SQL). */
function columnsFor(info: GraphQLResolveInfo, nodes: readonly FieldNode[]): string[] {
  const columns = new Set<string>();
  for (const field of selectedFields(info, nodes).keys()) {
    for (const column of FIELD_COLUMNS[field] ?? ALL_COLUMNS) columns.add(column);
  }
  return [...columns].sort();
}

const coveredBy = new WeakMap<readonly FieldNode[], readonly string[]>();

/**
 * A model's row when `row` (read by a prefetch with only some columns) holds every column the field being resolved
 * selects; otherwise `undefined`, and the resolver loads the whole row. The columns are worked out once per field
 * (graphql-js resolves every item of a list with the same `fieldNodes`).
 */
export function ifCovers(row: Partial<ModelRow> | undefined, info: GraphQLResolveInfo): ModelRow | undefined {
  if (!row) return undefined;
  let needed = coveredBy.get(info.fieldNodes);
  if (!needed) coveredBy.set(info.fieldNodes, (needed = columnsFor(info, info.fieldNodes)));
  return needed.every((column) => column in row) ? (row as ModelRow) : undefined;
}

/**
 * The fields selected under `nodes`, by field name, through fragments (directives are ignored: fetching a field the
 * request skips costs a little, and changes nothing).
 */
export function selectedFields(info: GraphQLResolveInfo, nodes: readonly FieldNode[]): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const list = fields.get(selection.name.value);
        if (list) list.push(selection);
        else fields.set(selection.name.value, [selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        visit(info.fragments[selection.name.value]?.selectionSet, new Set([...seen, selection.name.value]));
      }
    }
  };
  for (const node of nodes) visit(node.selectionSet, new Set());
  return fields;
}

/** What `nodes` (fields whose type is Model) select, as a {ModelPrefetch}. */
export function modelPrefetch(info: GraphQLResolveInfo, nodes: readonly FieldNode[]): ModelPrefetch {
  const fields = selectedFields(info, nodes);
  const prefetch: ModelPrefetch = {};
  const parents = fields.get("parents");
  if (parents)
    prefetch.parents = { parentColumns: columnsFor(info, selectedFields(info, parents).get("parent") ?? []) };
  // Another epoch than the current one is loaded on demand.
  if (fields.get("contributors")?.every((node) => !node.arguments?.length)) prefetch.contributors = true;
  const modelType = info.schema.getType("Model") as GraphQLObjectType;
  for (const direction of ["ancestors", "descendants"] as const) {
    const [node, ...others] = fields.get(direction) ?? [];
    if (!node) continue;
    const args = getArgumentValues(modelType.getFields()[direction]!, node, info.variableValues);
    const maxDepth = args.maxDepth as number;
    // Only one depth per direction is fetched ahead; a bad depth is refused by the resolver.
    if (others.some((other) => other.arguments?.length) || !isLineageDepth(maxDepth)) continue;
    prefetch[direction] = { maxDepth, modelColumns: columnsFor(info, selectedFields(info, [node]).get("model") ?? []) };
  }
  return prefetch;
}

/** The `columns` of a model row as a JSON object with the types `pg` gives them (bigints as decimal strings). */
function modelJson(alias: string, columns: readonly string[]): string {
  const fields = MODEL_FIELDS.filter(([column]) => columns.includes(column));
  return `json_build_object(${fields.map(([column, bigint]) => `'${column}', ${alias}.${column}${bigint ? "::text" : ""}`).join(", ")})`;
}

/**
 * The select list of models aliased `alias` with what `prefetch` asks for, as extra JSON columns (`prefetch_*`).
 * Values the SQL needs (depths) are pushed to `params`.
 */
export function modelSelectList(alias: string, prefetch: ModelPrefetch, params: unknown[]): string {
  const columns = MODEL_FIELDS.map(([column]) => `${alias}.${column}`);
  if (prefetch.parents) {
    const { parentColumns } = prefetch.parents;
    // A parent whose id alone is asked for needs no row: the link holds it.
    const parent = parentColumns.some((column) => column !== "id");
    columns.push(
      `(SELECT coalesce(json_agg(json_build_object('position', p.position, 'parent_id', p.parent_id, 'relation', p.relation, 'weight_ppm', p.weight_ppm${parent ? `, 'parent', ${modelJson("pm", parentColumns)}` : ""}) ORDER BY p.position), '[]'::json)
        FROM model_parents p ${parent ? "JOIN models pm ON pm.id = p.parent_id" : ""} WHERE p.model_id = ${alias}.id) AS prefetch_parents`,
    );
  }
  if (prefetch.contributors) {
    columns.push(
      `(SELECT coalesce(json_agg(json_build_object('account', c.account, 'role', c.role, 'weight_ppm', c.weight_ppm) ORDER BY c.position), '[]'::json)
        FROM contributors c WHERE c.model_id = ${alias}.id AND c.epoch = ${alias}.epoch) AS prefetch_contributors`,
    );
  }
  for (const direction of ["ancestors", "descendants"] as const) {
    const lineage = prefetch[direction];
    if (!lineage) continue;
    const withModel = lineage.modelColumns.some((column) => column !== "id");
    params.push(lineage.maxDepth);
    const [from, to] = direction === "ancestors" ? ["model_id", "parent_id"] : ["parent_id", "model_id"];
    // The walk of lineageQueries.ts, per row: each model at its shortest distance, nearest first.
    columns.push(
      `(WITH RECURSIVE walk(id, depth) AS (
          SELECT l.${to}, 1 FROM model_parents l WHERE l.${from} = ${alias}.id
          UNION
          SELECT l.${to}, walk.depth + 1 FROM model_parents l JOIN walk ON l.${from} = walk.id WHERE walk.depth < $${params.length}
        )
        SELECT coalesce(json_agg(json_build_object('id', w.id, 'depth', w.depth${withModel ? `, 'model', ${modelJson("lm", lineage.modelColumns)}` : ""}) ORDER BY w.depth, w.id), '[]'::json)
        FROM (SELECT id, min(depth)::int AS depth FROM walk GROUP BY id) w ${withModel ? "JOIN models lm ON lm.id = w.id" : ""}
      ) AS prefetch_${direction}`,
    );
  }
  return columns.join(", ");
}

type PrefetchedRow = ModelRow & {
  prefetch_parents?: Omit<ParentRow, "model_id">[];
  prefetch_contributors?: Omit<ContributorRow, "model_id" | "epoch">[];
  prefetch_ancestors?: LineageRow[];
  prefetch_descendants?: LineageRow[];
};

/**
 * Primes the request's loaders with what a row read through {modelSelectList} carries, and returns the bare model
 * row. DataLoader's `prime` keeps a value already loaded, so a row never replaces what the request saw before. The
 * parents' and lineages' model rows hold only the columns their selection needs, so they stay on their link or
 * node (see {ifCovers}) instead of priming the loader of whole rows.
 */
export function primeModel(row: PrefetchedRow, prefetch: ModelPrefetch, loaders: Loaders): ModelRow {
  const { prefetch_parents, prefetch_contributors, prefetch_ancestors, prefetch_descendants, ...model } = row;
  loaders.models.prime(model.id, model);
  if (prefetch_parents) {
    loaders.parents.prime(
      model.id,
      prefetch_parents.map((link) => ({ model_id: model.id, ...link })),
    );
  }
  if (prefetch_contributors) {
    loaders.contributors.prime(
      `${model.id}|${model.epoch}`,
      prefetch_contributors.map((c) => ({ model_id: model.id, epoch: model.epoch, ...c })),
    );
  }
  const lineages = [
    ["up", prefetch.ancestors, prefetch_ancestors],
    ["down", prefetch.descendants, prefetch_descendants],
  ] as const;
  for (const [direction, wanted, rows] of lineages) {
    if (!wanted || !rows) continue;
    loaders.lineage.prime(lineageKey(model.id, direction, wanted.maxDepth), rows);
  }
  return model;
}
