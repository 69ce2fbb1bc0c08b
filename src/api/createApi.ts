import { createSchema, createYoga, isAsyncIterable, type Plugin } from "graphql-yoga";
import type { Abi } from "viem";

import type { Store } from "../store/types.js";
import { createLedgerReplica } from "./createLedgerReplica.js";
import { createLoaders } from "./loaders.js";
import { aliasLimitRule, costLimitRule, depthLimitRule } from "./queryLimits.js";
import { resolvers, type Context } from "./resolvers.js";
import { createSubscriptionHub, type SubscriptionHub } from "./subscriptionHub.js";
import { typeDefs } from "./typeDefs.js";

/** Adds the depth, alias and cost limits to GraphQL's own validation, so a hostile query is refused before it runs. */
const limitsPlugin: Plugin = {
  onValidate({ addValidationRule }) {
    addValidationRule(depthLimitRule);
    addValidationRule(aliasLimitRule);
    addValidationRule(costLimitRule);
  },
};

/** Tells the response cache that execution ended without errors (an error may be passing, and is not replayed). */
const cacheHintsPlugin: Plugin<Context> = {
  onExecute: () => ({
    onExecuteDone({ args, result }) {
      const hints = (args.contextValue as Context).cacheHints;
      if (hints && !isAsyncIterable(result) && result.errors === undefined) hints.executedCleanly = true;
    },
  }),
};

/**
 * Runs each query or mutation against one snapshot of the store, so that its fields agree with each other while the
 * indexer commits (otherwise `_meta` could name block N while `models` already shows N + 1).
 */
const snapshotPlugin = (store: Store): Plugin<Context> => ({
  onExecute({ executeFn, setExecuteFn }) {
    setExecuteFn((args) =>
      store.snapshot((sql) =>
        Promise.resolve(
          executeFn({ ...args, contextValue: { ...(args.contextValue as Context), sql, ...createLoaders(sql) } }),
        ),
      ),
    );
  },
});

export type CreateApiParameters = {
  store: Store;
  /** The registry's and router's ABIs together (to replay stored events for simulations). */
  abi: Abi;
  /**
   * Serves the subscriptions from the indexer's commits (src/api/subscriptionHub.ts); by default a hub of the API's
   * own over `store`, with the default limits. Disposing the API closes it.
   */
  subscriptions?: SubscriptionHub | undefined;
};

/**
 * The GraphQL handler over an indexer's store: GraphiQL and queries at `/graphql`, errors masked but for bad input.
 * `dispose()` ends its subscriptions (their clients see the stream complete); dispose it before closing the store.
 */
export function createApi({ store, abi, subscriptions = createSubscriptionHub({ store, abi }) }: CreateApiParameters) {
  const replica = createLedgerReplica(store, abi);
  return createYoga({
    schema: createSchema<Context>({ typeDefs, resolvers }),
    context: (): Context => ({ store, sql: store, subscriptions, replica, abi, ...createLoaders(store) }),
    graphqlEndpoint: "/graphql",
    maskedErrors: true,
    landingPage: false,
    plugins: [limitsPlugin, snapshotPlugin(store), cacheHintsPlugin, { onDispose: () => subscriptions.close() }],
  });
}
