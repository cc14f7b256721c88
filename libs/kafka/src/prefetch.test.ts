import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrefetchQueue } from './prefetch.js';

const unexpected = (error: unknown) => assert.fail(`unexpected error: ${String(error)}`);

/** A work function whose items finish only when the test says so. */
function gatedWork() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const work = (item: string) =>
    new Promise<void>((resolve) => {
      started.push(item);
      gates.set(item, resolve);
    });
  const finish = async (item: string) => {
    while (!gates.has(item)) await new Promise((r) => setImmediate(r));
    gates.get(item)!();
  };
  return { started, work, finish };
}

test('items are handled one at a time, in push order', async () => {
  const { started, work, finish } = gatedWork();
  const queue = new PrefetchQueue<string>(100, work, unexpected);
  await queue.push('a', 1);
  await queue.push('b', 1);
  await finish('a');
  assert.deepEqual(started.slice(0, 1), ['a']);
  await finish('b');
  await queue.idle();
  assert.deepEqual(started, ['a', 'b']);
  assert.equal(queue.size, 0);
});

test('push holds the caller back while the queue is full, and lets it go once an item is handled', async () => {
  const { work, finish } = gatedWork();
  const queue = new PrefetchQueue<string>(3, work, unexpected);
  await queue.push('a', 2);
  let released = false;
  const held = queue.push('b', 2).then(() => (released = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(released, false, '4 units queued against a bound of 3');
  await finish('a');
  await held;
  assert.equal(queue.size, 2);
  await finish('b');
  await queue.idle();
});

test('clear drops what was not started and releases a held push', async () => {
  const { started, work, finish } = gatedWork();
  const queue = new PrefetchQueue<string>(2, work, unexpected);
  await queue.push('a', 1);
  const held = queue.push('b', 1);
  while (started.length === 0) await new Promise((r) => setImmediate(r));
  queue.clear();
  await held;
  await finish('a');
  await queue.idle();
  assert.deepEqual(started, ['a'], 'b was dropped before it started');
});

test('I/O callbacks run between two items (the next fetch is read while batches wait)', async () => {
  const events: string[] = [];
  const queue = new PrefetchQueue<string>(
    10,
    (item) => {
      events.push(item);
      if (item === 'a') setImmediate(() => events.push('io'));
    },
    unexpected,
  );
  await queue.push('a', 1);
  await queue.push('b', 1);
  await queue.idle();
  assert.deepEqual(events, ['a', 'io', 'b']);
});

test('a failing item is reported and the queue goes on', async () => {
  const errors: unknown[] = [];
  const handled: string[] = [];
  const queue = new PrefetchQueue<string>(
    10,
    (item) => {
      if (item === 'bad') throw new Error('boom');
      handled.push(item);
    },
    (error) => errors.push(error),
  );
  await queue.push('bad', 1);
  await queue.push('good', 1);
  await queue.idle();
  assert.deepEqual(handled, ['good']);
  assert.equal((errors[0] as Error).message, 'boom');
});
