import { isRetryable } from "./errors.js";
import { sleep } from "./sleep.js";

/** One more try about to happen: the previous one failed with `error`, and try `attempt` of `attempts` starts after `delayMs`. */
export type RetryEvent = { error: unknown; attempt: number; attempts: number; delayMs: number };

export type WithRetryParameters = {
  /**
   * Tries in all, the first included.
   * @default 8
   */
  attempts?: number | undefined;
  /**
   * The wait after the first failure; each further failure doubles it, up to `maxDelayMs`.
   * @default 500
   */
  initialDelayMs?: number | undefined;
  /**
   * The longest wait between two tries.
   * @default 8_000
   */
  maxDelayMs?: number | undefined;
  /**
   * Whether a failure is worth another try.
   * @default isRetryable
   */
  shouldRetry?: ((error: unknown) => boolean) | undefined;
  /** Called before each wait, for a log line. */
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Aborting ends the waiting: the last failure is thrown at once. */
  signal?: AbortSignal | undefined;
};

/** How a service tries again, at start-up, a store or a node that is not reachable yet. */
export type StartupRetry = Pick<WithRetryParameters, "attempts" | "initialDelayMs" | "maxDelayMs" | "signal">;

/**
 * Runs `fn` until it succeeds, trying again after a failure that `shouldRetry` accepts (by default one whose error
 * says {@link isRetryable}), with exponential backoff: 0.5 s, 1 s, 2 s, 4 s, 8 s, 8 s, ... (8 tries span about 30 s).
 * A failure it does not accept, or the last try's, is thrown as it is.
 *
 * @example
 * const store = await withRetry(() => createStore({ databaseUrl }), {
 *   onRetry: (event) => logger.warn(describeRetry("store", event)),
 * });
 */
export async function withRetry<T>(fn: () => Promise<T>, parameters: WithRetryParameters = {}): Promise<T> {
  const {
    attempts = 8,
    initialDelayMs = 500,
    maxDelayMs = 8_000,
    shouldRetry = isRetryable,
    onRetry,
    signal,
  } = parameters;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || signal?.aborted || !shouldRetry(error)) throw error;
      const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
      onRetry?.({ error, attempt: attempt + 1, attempts, delayMs });
      await sleep(delayMs, signal);
      if (signal?.aborted) throw error;
    }
  }
}

/** The log line for a retry: `store not reachable (<short message>); retrying in 2 s, attempt 3 of 8`. */
export function describeRetry(what: string, { error, attempt, attempts, delayMs }: RetryEvent): string {
  const reason =
    (error as { shortMessage?: unknown } | null)?.shortMessage ??
    (error instanceof Error ? error.message.split("\n")[0] : String(error));
  return `${what} not reachable (${String(reason)}); retrying in ${delayMs / 1_000} s, attempt ${attempt} of ${attempts}`;
}
