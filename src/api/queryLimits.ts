import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  type ASTVisitor,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

import { MAX_PAGE_SIZE } from "./modelQueries.js";

/** The deepest selection a query may nest (the schema's useful queries need about 8). */
export const MAX_QUERY_DEPTH = 12;
/** The most aliased fields one query may hold (a thousand aliases of an expensive field is a cheap attack). */
export const MAX_ALIASES = 30;
/**
 * The most a query may cost: each field costs 1, times the size of every list it sits in. A page of 100 models with
 * their parents and contributors costs about 5,000; a page of models with a page of children each would cost 30,000+.
 */
export const MAX_QUERY_COST = 20_000;
/** How many items a list without `first` is assumed to hold (parents, contributors, shares...). */
const LIST_ESTIMATE = 10;
/** How many models a lineage (ancestors, descendants, a graph's nodes and edges) is assumed to hold. */
const LINEAGE_ESTIMATE = 50;
const LINEAGE_FIELDS = new Set(["ancestors", "descendants", "nodes", "edges"]);

/**
 * A refusal of a query's shape, with code QUERY_TOO_COMPLEX and HTTP status 400 whatever the client accepts (yoga
 * answers other validation errors 200 when the answer is `application/json`, as the GraphQL-over-HTTP spec suggests
 * for that media type; `spec: false` opts out, so a refused query never looks like a success).
 */
export const limitError = (message: string) =>
  new GraphQLError(message, { extensions: { code: "QUERY_TOO_COMPLEX", http: { status: 400, spec: false } } });

/** Introspection answers from the schema alone and is bounded by its own rule (introspectionLimit.ts). */
const INTROSPECTION_ROOTS = new Set(["__schema", "__type"]);

function depthOf(set: SelectionSetNode | undefined, fragments: ValidationContext, seen: Set<string>): number {
  if (!set) return 0;
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (INTROSPECTION_ROOTS.has(selection.name.value)) continue;
      deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, seen));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen));
    } else {
      const name = selection.name.value;
      if (seen.has(name)) continue; // cycles are reported by graphql-js's own NoFragmentCycles rule
      const fragment = fragments.getFragment(name);
      deepest = Math.max(deepest, depthOf(fragment?.selectionSet, fragments, new Set([...seen, name])));
    }
  }
  return deepest;
}

/**
 * Rejects operations nested deeper than {MAX_QUERY_DEPTH}, with code QUERY_TOO_COMPLEX. Introspection is left out:
 * the standard introspection query nests 15 levels, and introspectionLimitRule bounds it instead.
 */
export function depthLimitRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const depth = depthOf(node.selectionSet, context, new Set());
      if (depth > MAX_QUERY_DEPTH) {
        context.reportError(
          limitError(`The query nests ${depth} levels deep; at most ${MAX_QUERY_DEPTH} are allowed.`),
        );
      }
    },
  };
}

/** Rejects documents with more than {MAX_ALIASES} aliased fields, with code QUERY_TOO_COMPLEX. */
export function aliasLimitRule(context: ValidationContext): ASTVisitor {
  let aliases = 0;
  return {
    Field(node) {
      if (node.alias && ++aliases === MAX_ALIASES + 1) {
        context.reportError(
          limitError(`The query uses more than ${MAX_ALIASES} aliases; split it into several requests.`),
        );
      }
    },
  };
}

/**
 * How many items a field's value is charged as. A page: its `first` (the largest page for a variable; a `first` over
 * the largest page is refused by the resolver with a clearer message, so it is charged as the largest).
 */
function sizeOf(field: GraphQLField<unknown, unknown>, node: FieldNode, parent: GraphQLCompositeType): number {
  const first = node.arguments?.find((a) => a.name.value === "first");
  if (first) {
    return first.value.kind === Kind.INT
      ? Math.min(Math.max(Number(first.value.value), 1), MAX_PAGE_SIZE)
      : MAX_PAGE_SIZE;
  }
  const paged = field.args.find((a) => a.name === "first");
  if (paged) return Number(paged.defaultValue ?? MAX_PAGE_SIZE);
  if (!isListType(getNullableType(field.type))) return 1;
  // A connection's edges are already charged through its `first`.
  if (node.name.value === "edges" && parent.name.endsWith("Connection")) return 1;
  return LINEAGE_FIELDS.has(node.name.value) ? LINEAGE_ESTIMATE : LIST_ESTIMATE;
}

function costOf(
  set: SelectionSetNode | undefined,
  type: GraphQLCompositeType,
  context: ValidationContext,
  seen: Set<string>,
): number {
  if (!set) return 0;
  let cost = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = isObjectType(type) ? type.getFields()[selection.name.value] : undefined;
      if (!field) continue; // __typename, or an unknown field that validation reports
      const named = getNamedType(field.type);
      const inner = isCompositeType(named) ? costOf(selection.selectionSet, named, context, seen) : 0;
      cost += 1 + sizeOf(field, selection, type) * inner;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      cost += costOf(selection.selectionSet, type, context, seen);
    } else if (!seen.has(selection.name.value)) {
      const fragment = context.getFragment(selection.name.value);
      cost += costOf(fragment?.selectionSet, type, context, new Set([...seen, selection.name.value]));
    }
  }
  return cost;
}

/** Rejects operations whose estimated cost is over {MAX_QUERY_COST}, with code QUERY_TOO_COMPLEX. */
export function costLimitRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const root =
        node.operation === "query" ? context.getSchema().getQueryType() : context.getSchema().getSubscriptionType();
      if (!root) return;
      const cost = costOf(node.selectionSet, root, context, new Set());
      if (cost > MAX_QUERY_COST) {
        context.reportError(
          limitError(
            `The query would cost about ${cost}, over the limit of ${MAX_QUERY_COST}: ask for smaller pages (first) ` +
              `or fewer nested lists, and page through the rest.`,
          ),
        );
      }
    },
  };
}
