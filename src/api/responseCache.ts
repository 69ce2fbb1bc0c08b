import type { Store } from "../store/types.js";

/** The channel migration 3's trigger notifies on every checkpoint change (every commit of the indexer). */
export const CHECKPOINT_CHANNEL = "stemma_checkpoint";

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
  close(): Promise<void>;
};

export type CreateResponseCacheParameters = {
  store: Store;
  /** @default DEFAULT_CACHE_BYTES */
  maxBytes?: number;
  /** Called when the announcements stop (the cache is then off until it listens again). */
  onLost?: (error: Error) => void;
};

/** How long to wait before listening again after the connection broke. */
const RELISTEN_DELAY_MS = 1_000;

/**
 * Creates a cache of whole GraphQL responses, kept until the indexed state changes. Between two commits of the
 * indexer every query has exactly one answer, so a replica can answer a repeated query from memory; the store's
 * checkpoint trigger announces each commit ({CHECKPOINT_CHANNEL}), and the cache forgets everything at once. A
 * response computed by a request that started before a commit was announced is not kept (its generation is stale),
 * so a cached answer is never older than the last announcement. While the announcements cannot be heard (the
 * listening connection broke), nothing is cached, and the cache listens again every {RELISTEN_DELAY_MS}.
 *
 * @param parameters - {@link CreateResponseCacheParameters}
 * @returns The cache, listening. {@link ResponseCache}
 *
 * @example
 * import { createResponseCache } from "./responseCache.js";
 *
 * const cache = await createResponseCache({ store, maxBytes: 16 * 1024 * 1024 });
 * const server = createApiServer({ store, abi: ledgerAbi, cache });
 */
export async function createResponseCache({
  store,
  maxBytes = DEFAULT_CACHE_BYTES,
  onLost = () => {},
}: CreateResponseCacheParameters): Promise<ResponseCache> {
  // Insertion order is recency order: a hit moves its entry to the end, eviction takes from the front.
  const entries = new Map<string, CachedResponse>();
  const sizeOf = (key: string, response: CachedResponse) => key.length + response.body.length;
  let bytes = 0;
  let current = 0;
  let hits = 0;
  let misses = 0;
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let listener: { close(): Promise<void> } | undefined;

  const invalidate = () => {
    current++;
    entries.clear();
    bytes = 0;
  };

  async function listen(): Promise<void> {
    listener = await store.listen(CHECKPOINT_CHANNEL, invalidate, (error) => {
      listening = false;
      invalidate();
      onLost(error);
      if (!closed) retry = setTimeout(relisten, RELISTEN_DELAY_MS);
    });
    // Anything committed while nobody listened was not announced.
    invalidate();
    listening = true;
  }
  const relisten = () => {
    listen().catch(() => {
      if (!closed) retry = setTimeout(relisten, RELISTEN_DELAY_MS);
    });
  };
  await listen();

  return {
    get(key) {
      if (!listening) return undefined;
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
      if (!listening || generation !== current || size > maxBytes / 16 || entries.has(key)) return;
      for (const [oldest, oldResponse] of entries) {
        if (bytes + size <= maxBytes) break;
        entries.delete(oldest);
        bytes -= sizeOf(oldest, oldResponse);
      }
      entries.set(key, response);
      bytes += size;
    },
    stats: () => ({ hits, misses, entries: entries.size, bytes, listening }),
    async close() {
      closed = true;
      clearTimeout(retry);
      listening = false;
      await listener?.close();
    },
  };
}
