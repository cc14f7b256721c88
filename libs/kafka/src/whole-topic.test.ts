import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offsetAfter } from './whole-topic.js';

const record = (offset: number, batch?: { first: number; lastDelta: number }) => ({
  offset: String(offset),
  key: null,
  value: null,
  batchContext: batch && { firstOffset: String(batch.first), lastOffsetDelta: batch.lastDelta },
});

test('the next fetch starts past the batch, not past its last record, when compaction removed the batch’s tail', () => {
  // Batch 100..109 of which the cleaner kept 100 and 104: reading on from 105 would get the same batch back forever.
  const batch = { first: 100, lastDelta: 9 };
  assert.equal(offsetAfter(100n, [record(100, batch), record(104, batch)]), 110n);
  assert.equal(
    offsetAfter(105n, [record(100, batch), record(104, batch)]),
    110n,
    'a batch with no record at or after the offset asked for still moves the read on',
  );
});

test('an uncompacted batch ends at its last record', () => {
  assert.equal(
    offsetAfter(0n, [record(0, { first: 0, lastDelta: 2 }), record(1, { first: 0, lastDelta: 2 }), record(2, { first: 0, lastDelta: 2 })]),
    3n,
  );
});

test('nothing returned at or after the offset means the partition is read to its end', () => {
  assert.equal(offsetAfter(226_200n, []), undefined);
});
