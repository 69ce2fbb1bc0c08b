import assert from "node:assert/strict";

import { BaseError } from "../../src/internal/errors.js";
import { describeRetry, withRetry, type RetryEvent } from "../../src/internal/retry.js";

/** A function that fails with `failures` in turn, then resolves with "done"; counts its calls. */
function failing(...failures: unknown[]) {
  const fn = async () => {
    fn.calls++;
    if (fn.calls <= failures.length) throw failures[fn.calls - 1];
    return "done";
  };
  fn.calls = 0;
  return fn;
}

const notReachable = () => new BaseError("Could not connect to PostgreSQL at postgres://db/x.", { retryable: true });

describe("withRetry (src/internal/retry.ts)", function () {
  it("tries again after retryable failures, doubling the wait, and resolves with the first success", async function () {
    const fn = failing(notReachable(), notReachable());
    const events: RetryEvent[] = [];
    const result = await withRetry(fn, { initialDelayMs: 5, onRetry: (event) => events.push(event) });
    assert.equal(result, "done");
    assert.equal(fn.calls, 3);
    assert.deepEqual(
      events.map(({ attempt, attempts, delayMs }) => ({ attempt, attempts, delayMs })),
      [
        { attempt: 2, attempts: 8, delayMs: 5 },
        { attempt: 3, attempts: 8, delayMs: 10 },
      ],
    );
    assert.ok(events.every((event) => event.error instanceof BaseError));
  });

  it("throws a failure that is not retryable at once, without waiting", async function () {
    const refused = new BaseError("Another indexer is writing to x.", { retryable: false });
    const fn = failing(refused);
    const events: RetryEvent[] = [];
    await assert.rejects(
      withRetry(fn, { initialDelayMs: 60_000, onRetry: (event) => events.push(event) }),
      (error) => error === refused,
    );
    assert.equal(fn.calls, 1);
    assert.deepEqual(events, []);
  });

  it("retries only what isRetryable accepts: an Error that merely carries retryable = true is not a BaseError", async function () {
    const lookalike = Object.assign(new Error("connection refused"), { retryable: true });
    const fn = failing(lookalike);
    await assert.rejects(withRetry(fn, { initialDelayMs: 60_000 }), (error) => error === lookalike);
    assert.equal(fn.calls, 1);
  });

  it("gives up after the last attempt with its failure, the waits capped at maxDelayMs", async function () {
    const failures = [notReachable(), notReachable(), notReachable(), notReachable()];
    const fn = failing(...failures);
    const delays: number[] = [];
    await assert.rejects(
      withRetry(fn, { attempts: 4, initialDelayMs: 2, maxDelayMs: 5, onRetry: (event) => delays.push(event.delayMs) }),
      (error) => error === failures[3],
    );
    assert.equal(fn.calls, 4);
    assert.deepEqual(delays, [2, 4, 5]);
  });

  it("stops waiting when its signal aborts, throwing the last failure", async function () {
    const failure = notReachable();
    const fn = failing(failure, failure);
    const stop = new AbortController();
    const started = performance.now();
    const retrying = withRetry(fn, { initialDelayMs: 60_000, signal: stop.signal, onRetry: () => stop.abort() });
    await assert.rejects(retrying, (error) => error === failure);
    assert.ok(performance.now() - started < 5_000);
    assert.equal(fn.calls, 1);
  });

  it("describes a retry in one line: what, the short message, the wait and the attempt", function () {
    const line = describeRetry("store", { error: notReachable(), attempt: 3, attempts: 8, delayMs: 2_000 });
    assert.equal(
      line,
      "store not reachable (Could not connect to PostgreSQL at postgres://db/x.); retrying in 2 s, attempt 3 of 8",
    );
    assert.match(
      describeRetry("JSON-RPC node", { error: new Error("fetch failed\nmore"), attempt: 2, attempts: 8, delayMs: 500 }),
      /^JSON-RPC node not reachable \(fetch failed\); retrying in 0\.5 s, attempt 2 of 8$/,
    );
  });
});
