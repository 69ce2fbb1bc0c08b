import assert from "node:assert/strict";
import { getEventListeners } from "node:events";

import { sleep } from "../../src/internal/sleep.js";

describe("sleep (src/internal/sleep.ts)", function () {
  it("leaves no abort listener behind on a long-lived signal (the indexer's poll loop sleeps on one)", async function () {
    const stop = new AbortController();
    for (let i = 0; i < 50; i++) await sleep(1, stop.signal);
    assert.equal(getEventListeners(stop.signal, "abort").length, 0);
  });

  it("wakes at once when the signal aborts, and does not wait on one already aborted", async function () {
    const stop = new AbortController();
    const started = performance.now();
    const sleeping = sleep(60_000, stop.signal);
    stop.abort();
    await sleeping;
    await sleep(60_000, stop.signal);
    assert.ok(performance.now() - started < 5_000);
    assert.equal(getEventListeners(stop.signal, "abort").length, 0);
  });
});
