import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteBuffer } from './write-buffer.js';

/** Whether `promise` has settled once every already-queued callback has run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

test('a full buffer holds the fetch until a write takes a batch, not until every buffered record is written', async () => {
  const buffer = new WriteBuffer<number>(4);
  for (let i = 0; i < 6; i++) buffer.push(i);
  const fetch = buffer.space();
  assert.equal(await settled(fetch), false, 'six records wait against a limit of four: the fetch is held');
  assert.deepEqual(buffer.take(2), [0, 1], 'oldest first');
  assert.equal(await settled(fetch), false, 'still four waiting: held');
  assert.deepEqual(buffer.take(2), [2, 3]);
  assert.equal(await settled(fetch), true, 'two waiting, while their write has not even started: the fetch goes on');
  assert.equal(buffer.length, 2);
});

test('below the limit the fetch is never held', async () => {
  const buffer = new WriteBuffer<number>(4);
  for (let i = 0; i < 3; i++) buffer.push(i);
  assert.equal(await settled(buffer.space()), true);
});

test('a failed batch goes back in front of what arrived since; release frees a held fetch (pause, stop)', async () => {
  const buffer = new WriteBuffer<string>(2);
  buffer.push('a');
  buffer.push('b');
  const batch = buffer.take(2);
  buffer.push('c');
  buffer.putBack(batch);
  assert.deepEqual(buffer.take(10), ['a', 'b', 'c']);
  buffer.push('d');
  buffer.push('e');
  const fetch = buffer.space();
  assert.equal(await settled(fetch), false);
  buffer.release();
  assert.equal(await settled(fetch), true);
});
