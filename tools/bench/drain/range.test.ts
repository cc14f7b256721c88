import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drained, partitionKey, progress, rangeSize, splitPartitionKey } from './range.js';

const offsets = (entries: Record<string, number>) => new Map(Object.entries(entries).map(([k, v]) => [k, BigInt(v)]));

test('a range counts the messages between the offsets before the fill and the ends after it', () => {
  const start = offsets({ 'raw.okx:0': 100, 'raw.okx:1': 50 });
  const end = offsets({ 'raw.okx:0': 400, 'raw.okx:1': 50, 'raw.okx:2': 30 });
  assert.equal(rangeSize(start, end), 300 + 0 + 30, 'a partition missing from the start counts from 0');
  assert.deepEqual(splitPartitionKey(partitionKey('kline-data', 5)), { topic: 'kline-data', partition: 5 });
});

test('progress clamps each committed offset to its partition range; drained needs every partition at its end', () => {
  const start = offsets({ 'a:0': 100, 'a:1': 0, 'a:2': 10 });
  const end = offsets({ 'a:0': 200, 'a:1': 50, 'a:2': 10 });
  assert.equal(progress(start, end, offsets({})), 0, 'nothing committed yet');
  assert.equal(progress(start, end, offsets({ 'a:0': 90, 'a:1': -1 })), 0, 'behind the range, or no commit (-1)');
  assert.equal(progress(start, end, offsets({ 'a:0': 150, 'a:1': 20 })), 70);
  assert.equal(progress(start, end, offsets({ 'a:0': 250, 'a:1': 50 })), 150, 'past the end (others writing) counts as the end');
  assert.equal(drained(start, end, offsets({ 'a:0': 200, 'a:1': 49 })), false);
  assert.equal(drained(start, end, offsets({ 'a:0': 200, 'a:1': 50 })), true, 'an empty partition range needs no commit');
});
