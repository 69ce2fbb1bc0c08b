import {
  Lexer,
  Source,
  TokenKind,
  getNullableType,
  getOperationAST,
  isInputObjectType,
  isListType,
  typeFromAST,
  type ASTVisitor,
  type ExecutionArgs,
  type GraphQLInputType,
  type ValidationContext,
} from "graphql";
import type { Plugin } from "graphql-yoga";

import { limitError } from "./queryLimits.js";

/**
 * The most levels of `AND`/`OR` a `where` filter may nest (`{ OR: [{ key: "a" }, { key: "b" }] }` is one level).
 * AND and OR take lists of any length, so no filter needs more.
 */
export const MAX_FILTER_DEPTH = 8;

/**
 * The deepest the query text may nest its brackets (`{`, `[` and `(` together), checked before it is parsed:
 * graphql-js parses recursively, and a document nested a few thousand deep overflows the stack. The deepest selection
 * allowed and the deepest filter together need about 30.
 */
export const MAX_BRACKET_DEPTH = 64;

const OPENING = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/** Whether `text` nests brackets deeper than {MAX_BRACKET_DEPTH}, read with graphql-js's lexer (which loops). */
function nestsTooDeep(text: string): boolean {
  const lexer = new Lexer(new Source(text));
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (OPENING.has(token.kind) && ++depth > MAX_BRACKET_DEPTH) return true;
      if (CLOSING.has(token.kind)) depth--;
    }
  } catch {
    // A syntax error: the parser reports it.
  }
  return false;
}

const filterTooDeep = (where: string) =>
  limitError(
    `${where} nests AND/OR more than ${MAX_FILTER_DEPTH} levels deep; flatten it: AND and OR take lists of any length.`,
  );

/** Rejects filter literals (arguments and variables' defaults) nested deeper than {MAX_FILTER_DEPTH}. */
export function filterDepthRule(context: ValidationContext): ASTVisitor {
  // Each level of AND/OR is one more input object inside another; `where` is the schema's only nested input.
  let objects = 0;
  let reported = false;
  return {
    ObjectValue: {
      enter() {
        if (++objects > MAX_FILTER_DEPTH + 1 && !reported) {
          context.reportError(filterTooDeep("A filter"));
          reported = true;
        }
      },
      leave() {
        objects--;
      },
    },
  };
}

/** Whether a variable's value nests input objects deeper than {MAX_FILTER_DEPTH} + 1, following its type. */
function variableTooDeep(value: unknown, type: GraphQLInputType, objects = 0): boolean {
  const nullable = getNullableType(type);
  if (value === null || value === undefined) return false;
  if (isListType(nullable)) {
    const items = Array.isArray(value) ? value : [value];
    return items.some((item) => variableTooDeep(item, nullable.ofType, objects));
  }
  if (!isInputObjectType(nullable) || typeof value !== "object" || Array.isArray(value)) return false;
  if (objects + 1 > MAX_FILTER_DEPTH + 1) return true;
  const fields = Object.values(nullable.getFields());
  return fields.some((field) =>
    variableTooDeep((value as Record<string, unknown>)[field.name], field.type, objects + 1),
  );
}

/** The error for the first variable whose filter nests too deep, if any. */
function checkVariables({ schema, document, operationName, variableValues }: ExecutionArgs) {
  const operation = getOperationAST(document, operationName);
  for (const definition of operation?.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (type && variableTooDeep(variableValues?.[name], type)) return filterTooDeep(`The filter in $${name}`);
  }
  return undefined;
}

/**
 * Bounds nesting where graphql-js recurses: the query text before it is parsed ({MAX_BRACKET_DEPTH}), filter literals
 * while it is validated, and filters in variables before they are coerced (the executor's coercion recurses too, so a
 * check in the resolver would come too late). All are refused with QUERY_TOO_COMPLEX and HTTP status 400.
 */
export const nestingLimitsPlugin: Plugin = {
  onParams({ params, setResult }) {
    if (typeof params.query === "string" && nestsTooDeep(params.query)) {
      setResult({
        errors: [limitError(`The query nests {, [ and ( more than ${MAX_BRACKET_DEPTH} deep.`)],
      });
    }
  },
  onValidate({ addValidationRule }) {
    addValidationRule(filterDepthRule);
  },
  onExecute({ args, setResultAndStopExecution }) {
    const error = checkVariables(args);
    if (error) setResultAndStopExecution({ errors: [error] });
  },
  onSubscribe({ args, setResultAndStopExecution }) {
    const error = checkVariables(args);
    if (error) setResultAndStopExecution({ errors: [error] });
  },
};
