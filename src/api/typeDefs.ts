import { readFileSync } from "node:fs";

/**
 * The GraphQL schema (SDL), read from schema.graphql beside this file: the one description of the API's types, served
 * as it is written and linked from docs/API.md. `npm run schema` prints it in graphql-js's canonical layout.
 */
export const typeDefs = readFileSync(new URL("./schema.graphql", import.meta.url), "utf8");
