import { getOperationAST, parse, type DocumentNode } from "graphql";
import { isAsyncIterable } from "graphql-yoga";

import type { createApi } from "./createApi.js";

/** The content type yoga answers a JSON request with (a client that asks for another gets yoga itself). */
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/** Whether a request's Accept header takes the answer as plain JSON. */
export const acceptsPlainJson = (accept: string | undefined) =>
  accept === undefined ||
  (/(^|[\s,])(application\/json|\*\/\*)\s*(;|,|$)/.test(accept) &&
    !/graphql-response|event-stream|multipart/.test(accept));

/** Query texts parsed here, at most this many (the oldest go first). */
const PARSED_DOCUMENTS = 1_000;

/**
 * Parses with a cache of its own: yoga's parser cache would also keep a syntax error, and yoga then answers a
 * cached error without its `GRAPHQL_PARSE_FAILED` code. The same text gives the same DocumentNode, so yoga's
 * validation cache (keyed by document) and the consistent reader's memory of documents still work.
 */
function parseCached(documents: Map<string, DocumentNode>, query: string): DocumentNode | undefined {
  let document = documents.get(query);
  if (document) return document;
  try {
    document = parse(query);
  } catch {
    return undefined;
  }
  if (documents.size >= PARSED_DOCUMENTS) documents.delete(documents.keys().next().value!);
  documents.set(query, document);
  return document;
}

type Params = { query: string; variables?: Record<string, unknown> | null; operationName?: string | null };

function paramsOf(body: string): Params | undefined {
  let params: unknown;
  try {
    params = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof params !== "object" || params === null || Array.isArray(params)) return undefined;
  const { query, variables, operationName } = params as Record<string, unknown>;
  if (typeof query !== "string") return undefined;
  if (variables != null && (typeof variables !== "object" || Array.isArray(variables))) return undefined;
  if (operationName != null && typeof operationName !== "string") return undefined;
  return params as Params;
}

/**
 * Answers the API's common request, a JSON POST of a query that succeeds, without yoga's HTTP layer: yoga turns every
 * Node request into a WHATWG Request and its result into a Response, about half the server's CPU for a one-model
 * query. The answerer parses (cached), runs yoga's enveloped validate (cached, with the API's limits) and execute
 * (with its plugins: consistent reads, cache hints) on the body the server already read, and resolves with the
 * answer's JSON text. Anything else resolves with `undefined`, and the server hands the same body to yoga: a body that
 * is not a query, a parse or validation error, a subscription or mutation, an answer with errors. So every error is
 * answered exactly as yoga answers it (status, masking, format); the cost of an error is one more execution.
 *
 * The answerer takes the request's body text and what yoga's own path would pass as the server context (`req`,
 * `res`, cache hints).
 *
 * @param yoga - The API (createApi.ts).
 */
export function createFastAnswerer(yoga: ReturnType<typeof createApi>) {
  const documents = new Map<string, DocumentNode>();
  return (body: string, serverContext: Record<string, unknown>) => answer(yoga, documents, body, serverContext);
}

async function answer(
  yoga: ReturnType<typeof createApi>,
  documents: Map<string, DocumentNode>,
  body: string,
  serverContext: Record<string, unknown>,
): Promise<string | undefined> {
  const params = paramsOf(body);
  if (!params) return undefined;
  const document = parseCached(documents, params.query);
  if (!document) return undefined;
  const { validate, contextFactory, execute, schema } = yoga.getEnveloped(serverContext);
  if (validate(schema, document).length > 0) return undefined;
  if (getOperationAST(document, params.operationName)?.operation !== "query") return undefined;
  const result = await execute({
    schema,
    document,
    variableValues: params.variables,
    operationName: params.operationName,
    contextValue: await contextFactory(),
  });
  if (isAsyncIterable(result) || result.errors !== undefined || result.extensions !== undefined) return undefined;
  return JSON.stringify(result);
}
