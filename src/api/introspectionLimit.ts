import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  type ASTVisitor,
  type GraphQLField,
  type GraphQLObjectType,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

import { limitError } from "./queryLimits.js";

/**
 * The longest `ofType` chain an introspection query may ask for: graphql-js's standard query (also GraphiQL's and
 * code generators') asks for 9, and this schema's deepest type, `[X!]!`, needs 3.
 */
export const MAX_OF_TYPE_CHAIN = 10;

const INTROSPECTION_ROOTS = new Map([
  ["__schema", SchemaMetaFieldDef],
  ["__type", TypeMetaFieldDef],
]);

/** Where a walk through an introspection selection stands. */
type Position = {
  /** The `__Type`s on the path so far, not counting those reached through `ofType`. */
  types: number;
  /** The `ofType` fields just above, one after another. */
  chain: number;
  /** Fragments being walked through (cycles are reported by graphql-js's NoFragmentCycles rule). */
  fragments: ReadonlySet<string>;
};

/**
 * Bounds introspection (`__schema`, `__type`), which answers from the schema alone and which the depth limit leaves
 * out: the standard introspection query nests 15 levels. It lists every type with its fields, arguments, input
 * fields, interfaces and possible types, and refers to each one's type by name through a chain of `ofType`. A hostile
 * query instead asks a referred type for its own members (`fields { type { fields { type { fields ... } } } }`), so
 * each level multiplies the answer by a type's size. So: a type reached from another (a field's, argument's or input
 * field's type, an interface, a possible type) may give its kind, name, description and `ofType` chain, at most
 * {MAX_OF_TYPE_CHAIN} long, but not list its members; `__type(name:)` asks for a type's members directly. Rejects with
 * code QUERY_TOO_COMPLEX.
 */
export function introspectionLimitRule(context: ValidationContext): ASTVisitor {
  let reported = false;
  const refuse = (message: string) => {
    if (!reported) context.reportError(limitError(message));
    reported = true;
  };
  const typeNamed = (name: string) => {
    const type = context.getSchema().getType(name);
    return isObjectType(type) ? type : undefined;
  };

  function walk(set: SelectionSetNode | undefined, parent: GraphQLObjectType, at: Position): void {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, typeNamed(selection.typeCondition?.name.value ?? parent.name) ?? parent, at);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = context.getFragment(name);
        if (!fragment || at.fragments.has(name)) continue;
        const type = typeNamed(fragment.typeCondition.name.value) ?? parent;
        walk(fragment.selectionSet, type, { ...at, fragments: new Set([...at.fragments, name]) });
      } else {
        const field: GraphQLField<unknown, unknown> | undefined = parent.getFields()[selection.name.value];
        if (!field) continue; // __typename, or an unknown field that validation reports
        const named = getNamedType(field.type);
        if (parent.name === "__Type" && at.types > 1 && isListType(getNullableType(field.type))) {
          return refuse(
            `Introspection may not ask a type reached through another type for its ${field.name}; ` +
              `ask for that type with __type(name:) instead.`,
          );
        }
        let next = { ...at, chain: 0 };
        if (named.name === "__Type") {
          next = field.name === "ofType" ? { ...at, chain: at.chain + 1 } : { ...next, types: at.types + 1 };
        }
        if (next.chain > MAX_OF_TYPE_CHAIN) {
          return refuse(`Introspection may follow ofType at most ${MAX_OF_TYPE_CHAIN} times in a row.`);
        }
        if (isObjectType(named)) walk(selection.selectionSet, named, next);
      }
    }
  }

  return {
    Field(node) {
      const root = INTROSPECTION_ROOTS.get(node.name.value);
      if (!root) return;
      const type = getNamedType(root.type) as GraphQLObjectType;
      walk(node.selectionSet, type, { types: type.name === "__Type" ? 1 : 0, chain: 0, fragments: new Set() });
    },
  };
}
