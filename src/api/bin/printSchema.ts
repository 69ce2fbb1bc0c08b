/** `npm run schema`: writes the served schema to docs/schema.graphql (checked in; a test keeps the two equal). */
import { writeFile } from "node:fs/promises";

import { buildSchema, printSchema } from "graphql";

import { typeDefs } from "../typeDefs.js";

await writeFile("docs/schema.graphql", `${printSchema(buildSchema(typeDefs))}\n`);
console.log("wrote docs/schema.graphql");
