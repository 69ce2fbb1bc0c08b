/**
 * Resolves after `ms` milliseconds, or as soon as `signal` aborts. The abort listener is removed when the timer
 * fires, so a loop that sleeps on one long-lived signal does not pile up listeners.
 *
 * @example
 * while (!signal.aborted) {
 *   await poll();
 *   await sleep(50, signal);
 * }
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener("abort", wake, { once: true });
  });
}
