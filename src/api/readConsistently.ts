import type { DocumentNode } from "graphql";

import type { Sql, Store } from "../store/types.js";

/** Thrown at a request's second statement when it ran without a snapshot; the request is then run again in one. */
class SecondStatement extends Error {
  constructor() {
    super("A second statement needs a snapshot: the request runs again inside one.");
  }
}

/**
 * Runs each GraphQL execution against one state of the store, and pays for a snapshot transaction only when the
 * request needs one. One statement is a consistent read by itself, and most requests are read in one (the resolvers
 * fetch what the selection asks for ahead: src/api/prefetch.ts), so they run straight on the pool: no BEGIN and
 * COMMIT round trips. A request that issues a second statement is stopped there and run again inside a snapshot, and
 * its document (yoga parses each query text once, so the same text is the same DocumentNode) is remembered, so that
 * later requests of that shape go to the snapshot at once. A request therefore never mixes two states.
 *
 * On PGlite there is no snapshot to save: the store's `snapshot` is the store itself (one session).
 */
export function createConsistentReader(store: Store) {
  const needsSnapshot = new WeakSet<DocumentNode>();

  return async function read<T>(document: DocumentNode, run: (sql: Sql) => Promise<T>): Promise<T> {
    if (store.kind === "postgres" && !needsSnapshot.has(document)) {
      let statements = 0;
      const single: Sql = {
        query: (text, params) => (++statements > 1 ? Promise.reject(new SecondStatement()) : store.query(text, params)),
        exec: () => {
          statements = 2; // not a read: run it in the snapshot
          return Promise.reject(new SecondStatement());
        },
      };
      const result = await run(single);
      if (statements <= 1) return result;
      needsSnapshot.add(document);
    }
    return store.snapshot(run);
  };
}
