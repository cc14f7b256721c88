import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundQueue, SlidingWindowPacer } from './pacer.js';

/** Drives the queue the way a connection does, on a fake clock: send what is ready, sleep until the next. */
function drain(queue: OutboundQueue, start = 0): number[] {
  const sentAt: number[] = [];
  let now = start;
  for (let guard = 0; queue.length > 0 && guard < 100_000; guard++) {
    const { ready, nextInMs } = queue.take(now);
    sentAt.push(...ready.map(() => now));
    if (nextInMs !== undefined) now += nextInMs;
  }
  return sentAt;
}

const maxInAnyWindow = (times: number[], windowMs: number) =>
  Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));

test('subscribe messages never exceed 4 per second per connection (Binance allows 5 including pongs)', () => {
  const queue = new OutboundQueue(new SlidingWindowPacer(4, 1000));
  for (let i = 0; i < 40; i++) queue.push({ text: `sub${i}`, subscribe: true });
  const sentAt = drain(queue);
  assert.equal(sentAt.length, 40);
  assert.equal(maxInAnyWindow(sentAt, 1000), 4);
  assert.ok(sentAt.at(-1)! >= 9000, 'the budget is used, not exceeded: 40 messages take 9 s');
  assert.ok(sentAt.at(-1)! <= 10_000, 'and not wasted');
});

test('keepalive replies jump the queue yet stay within the per-second budget', () => {
  const queue = new OutboundQueue(new SlidingWindowPacer(4, 1000));
  for (let i = 0; i < 8; i++) queue.push({ text: `sub${i}`, subscribe: true });
  const first = queue.take(0);
  assert.deepEqual(
    first.ready.map((m) => m.text),
    ['sub0', 'sub1', 'sub2', 'sub3'],
  );
  queue.pushFront({ text: 'pong', subscribe: false });
  assert.deepEqual(queue.take(500).ready, [], 'budget spent: even the pong waits');
  assert.deepEqual(
    queue
      .take(1000)
      .ready.slice(0, 1)
      .map((m) => m.text),
    ['pong'],
  );
});

test('OKX hourly subscribe cap holds subscribes but not pings', () => {
  const queue = new OutboundQueue(new SlidingWindowPacer(3, 1000), new SlidingWindowPacer(480, 3_600_000));
  for (let i = 0; i < 500; i++) queue.push({ text: `sub${i}`, subscribe: true });
  const sentAt = drain(queue);
  assert.equal(sentAt.filter((t) => t < 3_600_000).length, 480);
  assert.ok(sentAt[480]! >= 3_600_000);
  const pinged = new OutboundQueue(new SlidingWindowPacer(3, 1000), new SlidingWindowPacer(1, 3_600_000));
  pinged.push({ text: 'sub', subscribe: true });
  pinged.push({ text: 'sub2', subscribe: true });
  assert.deepEqual(
    pinged.take(0).ready.map((m) => m.text),
    ['sub'],
  );
  pinged.pushFront({ text: 'ping', subscribe: false });
  assert.deepEqual(
    pinged.take(2000).ready.map((m) => m.text),
    ['ping'],
  );
});
