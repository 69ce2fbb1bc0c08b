/** `npm run schema`: prints the served schema (src/api/schema.graphql) in graphql-js's canonical layout, for tools. */
import { buildSchema, printSchema } from "graphql";

import { typeDefs } from "../typeDefs.js";

process.stdout.write(`${printSchema(buildSchema(typeDefs))}\n`);
