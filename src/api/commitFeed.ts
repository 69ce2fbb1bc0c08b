import type { Listener, Store } from "../store/types.js";

/** The channel migration 3's trigger notifies on every checkpoint change (every commit of the indexer). */
export const CHECKPOINT_CHANNEL = "stemma_checkpoint";

/** How long to wait before listening again after the connection broke. */
export const RELISTEN_DELAY_MS = 1_000;

export type CommitFeedHandlers = {
  /**
   * After each commit the indexer announces, and once when the feed hears again after a loss (anything may have been
   * committed meanwhile).
   */
  onCommit(): void;
  /** When the announcements stop: until the next `onCommit`, commits go unheard. */
  onLost?(): void;
};

/** The indexer's commits as one replica hears them: one listening connection, any number of followers. */
export type CommitFeed = {
  /** Calls `handlers` from now on; returns the function that stops it. */
  follow(handlers: CommitFeedHandlers): () => void;
  /** False while the announcements cannot be heard (the connection broke; the feed listens again). */
  listening(): boolean;
  close(): Promise<void>;
};

export type CreateCommitFeedParameters = {
  store: Store;
  /** Called when the announcements stop (the feed listens again every {RELISTEN_DELAY_MS}). */
  onLost?: (error: Error) => void;
};

/**
 * Listens once to the store's checkpoint trigger ({CHECKPOINT_CHANNEL}) and tells every follower (the response cache,
 * the subscription hub) of each commit. When the listening connection breaks (PostgreSQL restarted, a network cut),
 * followers hear `onLost`, the feed listens again every {RELISTEN_DELAY_MS}, and once it does, followers hear one
 * `onCommit` for whatever was committed while nobody listened. On PGlite the store announces in-process and the
 * connection cannot break.
 *
 * @param parameters - {@link CreateCommitFeedParameters}
 * @returns The feed, listening. {@link CommitFeed}
 *
 * @example
 * const feed = await createCommitFeed({ store, onLost: (error) => logger.warn(error.message) });
 * const stop = feed.follow({ onCommit: () => console.log("the indexer committed") });
 */
export async function createCommitFeed({ store, onLost = () => {} }: CreateCommitFeedParameters): Promise<CommitFeed> {
  const followers = new Set<CommitFeedHandlers>();
  let listening = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let listener: Listener | undefined;

  const commit = () => {
    for (const follower of followers) follower.onCommit();
  };

  async function listen(): Promise<void> {
    const next = await store.listen(CHECKPOINT_CHANNEL, commit, (error) => {
      listening = false;
      for (const follower of followers) follower.onLost?.();
      onLost(error);
      if (!closed) retry = setTimeout(relisten, RELISTEN_DELAY_MS);
    });
    if (closed) return next.close();
    listener = next;
    listening = true;
  }
  const relisten = () => {
    listen().then(
      // Anything committed while nobody listened was not announced.
      () => listening && commit(),
      () => {
        if (!closed) retry = setTimeout(relisten, RELISTEN_DELAY_MS);
      },
    );
  };
  await listen();

  return {
    follow(handlers) {
      followers.add(handlers);
      return () => followers.delete(handlers);
    },
    listening: () => listening,
    async close() {
      closed = true;
      clearTimeout(retry);
      listening = false;
      followers.clear();
      await listener?.close();
    },
  };
}
