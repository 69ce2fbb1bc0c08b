/**
 * One subscriber's stream (src/api/subscriptionStream.ts): values reach a waiting or a later reader in order; a client
 * that falls too far behind gets the overflow error at once, not the backlog; an end or a failure comes after what
 * is queued; whatever ends it, `onClose` runs once.
 */
import assert from "node:assert/strict";

import { createSubscriptionStream } from "../../src/api/subscriptionStream.js";

function stream(maxQueued = 3) {
  let closes = 0;
  const created = createSubscriptionStream<number>({
    maxQueued,
    overflow: () => new Error("behind"),
    onClose: () => closes++,
  });
  return { stream: created, closes: () => closes };
}

describe("GraphQL API: a subscriber's stream", function () {
  it("hands values to a reader that waits and to one that comes later, in order", async function () {
    const { stream: s } = stream();
    const waiting = s.next();
    s.push(1);
    s.push(2);
    s.push(3);
    assert.deepEqual(await waiting, { done: false, value: 1 });
    assert.deepEqual(await s.next(), { done: false, value: 2 });
    assert.deepEqual(await s.next(), { done: false, value: 3 });
  });

  it("ends a client that falls more than maxQueued behind with the overflow error, dropping the backlog", async function () {
    const { stream: s, closes } = stream(3);
    for (const value of [1, 2, 3, 4]) s.push(value);
    await assert.rejects(s.next(), /behind/);
    assert.deepEqual(await s.next(), { done: true, value: undefined });
    s.push(5);
    assert.deepEqual(await s.next(), { done: true, value: undefined });
    assert.equal(closes(), 1);
  });

  it("delivers what is queued before an end or a failure, and wakes a waiting reader with it", async function () {
    const ended = stream();
    ended.stream.push(1);
    ended.stream.end();
    assert.deepEqual(await ended.stream.next(), { done: false, value: 1 });
    assert.deepEqual(await ended.stream.next(), { done: true, value: undefined });

    const failed = stream();
    failed.stream.push(1);
    failed.stream.fail(new Error("store unavailable"));
    assert.deepEqual(await failed.stream.next(), { done: false, value: 1 });
    await assert.rejects(failed.stream.next(), /store unavailable/);

    const waiting = stream();
    const next = waiting.stream.next();
    waiting.stream.fail(new Error("store unavailable"));
    await assert.rejects(next, /store unavailable/);
  });

  it("stops at once when the client leaves, and calls onClose once whatever ends it", async function () {
    const { stream: s, closes } = stream();
    s.push(1);
    assert.deepEqual(await s.return(undefined), { done: true, value: undefined });
    assert.deepEqual(await s.next(), { done: true, value: undefined }, "nothing queued is delivered after return");
    s.end();
    s.fail(new Error("late"));
    assert.equal(closes(), 1);
  });
});
