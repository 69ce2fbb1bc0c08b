/** Errors the indexer throws on purpose (`src/indexer`). */

import { BaseError } from "../internal/errors.js";

export type ReorgTooDeepErrorType = ReorgTooDeepError & { name: "ReorgTooDeepError" };

/**
 * The chain dropped more blocks than the indexer keeps hashes for, so the mirror cannot be repaired. Not retryable:
 * the database stays as it was, and indexing again from the chain (or a wider reorg window) is the way out.
 */
export class ReorgTooDeepError extends BaseError {
  override name = "ReorgTooDeepError";

  constructor({ oldestKept, location }: { oldestKept: bigint | null; location: string }) {
    super(
      `The chain no longer contains any block this indexer kept (oldest kept: ${oldestKept ?? "none"}): a reorg ` +
        `deeper than the reorg window, or a different chain (a restarted local node?).`,
      {
        details:
          `The database at ${location} cannot be repaired in place: index again into an empty database (--reset), ` +
          `or raise --reorg-window for deep reorgs.`,
        docsPath: "docs/INDEXER.md#guarantees",
      },
    );
  }
}
