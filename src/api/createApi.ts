import { createSchema, createYoga, isAsyncIterable, type Plugin } from "graphql-yoga";
import type { Abi } from "viem";

import type { Store } from "../store/types.js";
import type { CommitFeed } from "./commitFeed.js";
import { createLedgerReplica } from "./createLedgerReplica.js";
import { renderOfflineGraphiQL } from "./graphiql.js";
import { introspectionLimitRule } from "./introspectionLimit.js";
import { createLoaders } from "./loaders.js";
import { nestingLimitsPlugin } from "./nestingLimits.js";
import { createConsistentReader } from "./readConsistently.js";
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
    addValidationRule(introspectionLimitRule);
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
 * Runs each query or mutation against one state of the store, so that its fields agree with each other while the
 * indexer commits (otherwise `_meta` could name block N while `models` already shows N + 1): in one statement, or in
 * a snapshot when it needs more (src/api/readConsistently.ts). Each run gets fresh loaders over its own `sql`.
 */
const consistentReadPlugin = (store: Store): Plugin<Context> => {
  const read = createConsistentReader(store);
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) =>
        read(args.document, (sql) =>
          Promise.resolve(
            executeFn({ ...args, contextValue: { ...(args.contextValue as Context), sql, ...createLoaders(sql) } }),
          ),
        ),
      );
    },
  };
};

export type CreateApiParameters = {
  store: Store;
  /** The registry's and router's ABIs together (to replay stored events for simulations). */
  abi: Abi;
  /**
   * Serves the subscriptions from the indexer's commits (src/api/subscriptionHub.ts); by default a hub of the API's
   * own over `store`, with the default limits. Disposing the API closes it.
   */
  subscriptions?: SubscriptionHub | undefined;
  /** The indexer's commits as this replica hears them: simulations then read the store only after one (optional). */
  feed?: CommitFeed | undefined;
};

/**
 * The GraphQL handler over an indexer's store: GraphiQL and queries at `/graphql`, errors masked but for bad input.
 * `dispose()` ends its subscriptions (their clients see the stream complete); dispose it before closing the store.
 */
export function createApi({
  store,
  abi,
  subscriptions = createSubscriptionHub({ store, abi }),
  feed,
}: CreateApiParameters) {
  const replica = createLedgerReplica(store, abi, feed);
  return createYoga({
    schema: createSchema<Context>({ typeDefs, resolvers }),
    // Queries get their `sql` and loaders from consistentReadPlugin; subscriptions are served by the hub.
    context: (): Context => ({ store, sql: store, subscriptions, replica, abi, ...createLoaders(store) }),
    graphqlEndpoint: "/graphql",
    maskedErrors: true,
    landingPage: false,
    graphiql: { title: "Stemma GraphQL" },
    renderGraphiQL: renderOfflineGraphiQL,
    plugins: [
      limitsPlugin,
      nestingLimitsPlugin,
      consistentReadPlugin(store),
      cacheHintsPlugin,
      {
        onDispose: () => {
          replica.close();
          return subscriptions.close();
        },
      },
    ],
  });
}
