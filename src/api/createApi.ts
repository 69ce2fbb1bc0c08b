import { createSchema, createYoga, type Plugin } from "graphql-yoga";
import type { Abi } from "viem";

import type { Store } from "../indexer/store/types.js";
import { createLedgerReplica } from "./createLedgerReplica.js";
import { createLoaders } from "./loaders.js";
import { aliasLimitRule, costLimitRule, depthLimitRule } from "./queryLimits.js";
import { resolvers, type Context } from "./resolvers.js";
import { typeDefs } from "./typeDefs.js";

/** Adds the depth, alias and cost limits to GraphQL's own validation, so a hostile query is refused before it runs. */
const limitsPlugin: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(depthLimitRule);
    addValidationRule(aliasLimitRule);
    addValidationRule(costLimitRule);
  },
};

export type CreateApiParameters = {
  store: Store;
  /** The registry's and router's ABIs together (to replay stored events for simulations). */
  abi: Abi;
};

/** The GraphQL handler over an indexer's store: GraphiQL and queries at `/graphql`, errors masked but for bad input. */
export function createApi({ store, abi }: CreateApiParameters) {
  const replica = createLedgerReplica(store, abi);
  return createYoga({
    schema: createSchema<Context>({ typeDefs, resolvers }),
    context: () => ({ store, replica, abi, ...createLoaders(store) }),
    graphqlEndpoint: "/graphql",
    maskedErrors: true,
    landingPage: false,
    plugins: [limitsPlugin],
  });
}
