import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from "graphql";

/** The deepest selection a query may nest (the schema's useful queries need about 8). */
export const MAX_QUERY_DEPTH = 12;
/** The most aliased fields one query may hold (a thousand aliases of an expensive field is a cheap attack). */
export const MAX_ALIASES = 30;

const limitError = (message: string) => new GraphQLError(message, { extensions: { code: "QUERY_TOO_COMPLEX" } });

function depthOf(set: SelectionSetNode | undefined, fragments: ValidationContext, seen: Set<string>): number {
  if (!set) return 0;
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
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

/** Rejects operations nested deeper than {MAX_QUERY_DEPTH}, with code QUERY_TOO_COMPLEX. */
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
