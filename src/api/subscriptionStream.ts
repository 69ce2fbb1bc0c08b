/**
 * One subscriber's events as the async iterator GraphQL reads: the hub pushes, the client's connection pulls (yoga
 * waits for the socket to drain before it asks for the next value, so a client that does not read leaves its values
 * queued here, at most `maxQueued` of them).
 */
export type SubscriptionStream<T> = AsyncGenerator<T> & {
  /** Queues `value` for the client; ends the stream with `overflow()` once more than `maxQueued` wait. */
  push(value: T): void;
  /** Ends the stream: the client gets what is queued, then the stream completes. */
  end(): void;
  /** Ends the stream with `error` after what is queued (`discard`: at once, dropping it). */
  fail(error: Error, discard?: boolean): void;
};

export type CreateSubscriptionStreamParameters = {
  maxQueued: number;
  /** The error a client that fell `maxQueued` values behind gets. */
  overflow: () => Error;
  /** Called once, when the stream ends for any reason (the client left, {end}, {fail}). */
  onClose: () => void;
};

/** Creates an open {@link SubscriptionStream}. */
export function createSubscriptionStream<T>({
  maxQueued,
  overflow,
  onClose,
}: CreateSubscriptionStreamParameters): SubscriptionStream<T> {
  const queue: T[] = [];
  let open = true;
  let error: Error | undefined;
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let failWaiting: ((error: Error) => void) | undefined;

  const close = () => {
    if (!open) return;
    open = false;
    onClose();
  };
  /** Wakes a pending `next()` with the stream's end (its error first, if any). */
  const settle = () => {
    if (!waiting) return;
    const [resolve, reject] = [waiting, failWaiting!];
    waiting = failWaiting = undefined;
    if (error) {
      const failure = error;
      error = undefined;
      reject(failure);
    } else resolve({ done: true, value: undefined });
  };

  const stream: SubscriptionStream<T> = {
    push(value) {
      if (!open) return;
      if (waiting) {
        const resolve = waiting;
        waiting = failWaiting = undefined;
        resolve({ done: false, value });
        return;
      }
      queue.push(value);
      if (queue.length > maxQueued) stream.fail(overflow(), true);
    },
    end() {
      close();
      settle();
    },
    fail(failure, discard = false) {
      if (!open) return;
      if (discard) queue.length = 0;
      error = failure;
      close();
      settle();
    },
    next() {
      if (queue.length > 0) return Promise.resolve({ done: false, value: queue.shift()! });
      if (error) {
        const failure = error;
        error = undefined;
        return Promise.reject(failure);
      }
      if (!open) return Promise.resolve({ done: true, value: undefined });
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        waiting = resolve;
        failWaiting = reject;
      });
    },
    // The client went away (or GraphQL stopped reading): nothing more is queued or delivered.
    return() {
      queue.length = 0;
      error = undefined;
      stream.end();
      return Promise.resolve({ done: true, value: undefined });
    },
    throw(failure) {
      void stream.return(undefined);
      return Promise.reject(failure as Error);
    },
    [Symbol.asyncIterator]: () => stream,
    [Symbol.asyncDispose]: () => stream.return(undefined).then(() => {}),
  };
  return stream;
}
