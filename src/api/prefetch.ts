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
import { checkDepth, lineageKey, type LineageRow } from "./lineageQueries.js";

/**
 * What a selection of models asks for beyond their own columns, so that one statement reads it all: parents (with
 * the parents' rows when `parent` is selected), the current contributors, and lineages (with their models' rows).
 * Fetching ahead never changes an answer: the resolvers still go through the loaders, which this only primes; a
 * field the prefetch does not cover loads as before, in a statement of its own.
 */
export type ModelPrefetch = {
  parents?: { withParent: boolean };
  contributors?: true;
  ancestors?: { maxDepth: number; withModel: boolean };
  descendants?: { maxDepth: number; withModel: boolean };
};

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
  if (parents) prefetch.parents = { withParent: selectedFields(info, parents).has("parent") };
  // Another epoch than the current one is loaded on demand.
  if (fields.get("contributors")?.every((node) => !node.arguments?.length)) prefetch.contributors = true;
  const modelType = info.schema.getType("Model") as GraphQLObjectType;
  for (const direction of ["ancestors", "descendants"] as const) {
    const [node, ...others] = fields.get(direction) ?? [];
    if (!node) continue;
    const args = getArgumentValues(modelType.getFields()[direction]!, node, info.variableValues);
    const maxDepth = args.maxDepth as number;
    // Only one depth per direction is fetched ahead; a bad depth is refused by the resolver.
    if (others.some((other) => other.arguments?.length) || !isDepth(maxDepth)) continue;
    prefetch[direction] = { maxDepth, withModel: selectedFields(info, [node]).has("model") };
  }
  return prefetch;
}

const isDepth = (depth: number) => {
  try {
    checkDepth(depth);
    return true;
  } catch {
    return false;
  }
};

/** A model row as a JSON object with the types `pg` gives its columns (bigints as decimal strings). */
export function modelJson(alias: string): string {
  return `json_build_object(${MODEL_FIELDS.map(([column, bigint]) => `'${column}', ${alias}.${column}${bigint ? "::text" : ""}`).join(", ")})`;
}

/**
 * The select list of models aliased `alias` with what `prefetch` asks for, as extra JSON columns (`prefetch_*`).
 * Values the SQL needs (depths) are pushed to `params`.
 */
export function modelSelectList(alias: string, prefetch: ModelPrefetch, params: unknown[]): string {
  const columns = MODEL_FIELDS.map(([column]) => `${alias}.${column}`);
  if (prefetch.parents) {
    const parent = prefetch.parents.withParent;
    columns.push(
      `(SELECT coalesce(json_agg(json_build_object('position', p.position, 'parent_id', p.parent_id, 'relation', p.relation, 'weight_ppm', p.weight_ppm${parent ? `, 'parent', ${modelJson("pm")}` : ""}) ORDER BY p.position), '[]'::json)
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
    params.push(lineage.maxDepth);
    const [from, to] = direction === "ancestors" ? ["model_id", "parent_id"] : ["parent_id", "model_id"];
    // The walk of lineageQueries.ts, per row: each model at its shortest distance, nearest first.
    columns.push(
      `(WITH RECURSIVE walk(id, depth) AS (
          SELECT l.${to}, 1 FROM model_parents l WHERE l.${from} = ${alias}.id
          UNION
          SELECT l.${to}, walk.depth + 1 FROM model_parents l JOIN walk ON l.${from} = walk.id WHERE walk.depth < $${params.length}
        )
        SELECT coalesce(json_agg(json_build_object('id', w.id, 'depth', w.depth${lineage.withModel ? `, 'model', ${modelJson("lm")}` : ""}) ORDER BY w.depth, w.id), '[]'::json)
        FROM (SELECT id, min(depth)::int AS depth FROM walk GROUP BY id) w ${lineage.withModel ? "JOIN models lm ON lm.id = w.id" : ""}
      ) AS prefetch_${direction}`,
    );
  }
  return columns.join(", ");
}

type PrefetchedRow = ModelRow & {
  prefetch_parents?: (Omit<ParentRow, "model_id"> & { parent?: ModelRow })[];
  prefetch_contributors?: Omit<ContributorRow, "model_id" | "epoch">[];
  prefetch_ancestors?: (LineageRow & { model?: ModelRow })[];
  prefetch_descendants?: (LineageRow & { model?: ModelRow })[];
};

/**
 * Primes the request's loaders with what a row read through {modelSelectList} carries, and returns the bare model
 * row. DataLoader's `prime` keeps a value already loaded, so a row never replaces what the request saw before.
 */
export function primeModel(row: PrefetchedRow, prefetch: ModelPrefetch, loaders: Loaders): ModelRow {
  const { prefetch_parents, prefetch_contributors, prefetch_ancestors, prefetch_descendants, ...model } = row;
  loaders.models.prime(model.id, model);
  if (prefetch_parents) {
    loaders.parents.prime(
      model.id,
      prefetch_parents.map(({ parent, ...link }) => {
        if (parent) loaders.models.prime(parent.id, parent);
        return { model_id: model.id, ...link };
      }),
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
    loaders.lineage.prime(
      lineageKey(model.id, direction, wanted.maxDepth),
      rows.map(({ model: member, ...node }) => {
        if (member) loaders.models.prime(member.id, member);
        return node;
      }),
    );
  }
  return model;
}
