import type { CommitFeed } from "./commitFeed.js";

/** Bytes of cached response bodies one replica keeps, at most. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** A response as it goes out: its content type and body bytes. */
export type CachedResponse = { contentType: string; body: Buffer };

export type ResponseCache = {
  /** The cached response for `key`, if the state has not changed since it was computed. */
  get(key: string): CachedResponse | undefined;
  /** Take before computing a response; pass to {set}. */
  generation(): number;
  /** Keeps `response` for `key` if nothing was committed since `generation` was taken. */
  set(key: string, response: CachedResponse, generation: number): void;
  stats(): { hits: number; misses: number; entries: number; bytes: number; listening: boolean };
  /** Stops following the feed (the feed itself stays open). */
  close(): void;
};

export type CreateResponseCacheParameters = {
  /** The indexer's commits as this replica hears them (src/api/commitFeed.ts). */
  feed: CommitFeed;
  /** @default DEFAULT_CACHE_BYTES */
  maxBytes?: number;
};

/**
 * Creates a cache of whole GraphQL responses, kept until the indexed state changes. Between two commits of the
 * indexer every query has exactly one answer, so a replica can answer a repeated query from memory; the store's
 * checkpoint trigger announces each commit (the `feed`), and the cache forgets everything at once. A response computed
 * by a request that started before a commit was announced is not kept (its generation is stale), so a cached answer
 * is never older than the last announcement. While the announcements cannot be heard (the feed's listening connection
 * broke), nothing is cached.
 *
 * @param parameters - {@link CreateResponseCacheParameters}
 * @returns The cache, following the feed. {@link ResponseCache}
 *
 * @example
 * import { createCommitFeed } from "./commitFeed.js";
 * import { createResponseCache } from "./responseCache.js";
 *
 * const cache = createResponseCache({ feed: await createCommitFeed({ store }), maxBytes: 16 * 1024 * 1024 });
 * const server = createApiServer({ store, abi: ledgerAbi, cache });
 */
export function createResponseCache({
  feed,
  maxBytes = DEFAULT_CACHE_BYTES,
}: CreateResponseCacheParameters): ResponseCache {
  // Insertion order is recency order: a hit moves its entry to the end, eviction takes from the front.
  const entries = new Map<string, CachedResponse>();
  const sizeOf = (key: string, response: CachedResponse) => key.length + response.body.length;
  let bytes = 0;
  let current = 0;
  let hits = 0;
  let misses = 0;

  const invalidate = () => {
    current++;
    entries.clear();
    bytes = 0;
  };
  const unfollow = feed.follow({ onCommit: invalidate, onLost: invalidate });

  return {
    get(key) {
      if (!feed.listening()) return undefined;
      const response = entries.get(key);
      if (response === undefined) {
        misses++;
        return undefined;
      }
      hits++;
      entries.delete(key);
      entries.set(key, response);
      return response;
    },
    generation: () => current,
    set(key, response, generation) {
      const size = sizeOf(key, response);
      if (!feed.listening() || generation !== current || size > maxBytes / 16 || entries.has(key)) return;
      for (const [oldest, oldResponse] of entries) {
        if (bytes + size <= maxBytes) break;
        entries.delete(oldest);
        bytes -= sizeOf(oldest, oldResponse);
      }
      entries.set(key, response);
      bytes += size;
    },
    stats: () => ({ hits, misses, entries: entries.size, bytes, listening: feed.listening() }),
    close() {
      unfollow();
      invalidate();
    },
  };
}
