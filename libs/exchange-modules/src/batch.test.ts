import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchWithin } from './batch.js';

test('batchWithin respects both the item and the byte limits and keeps order', () => {
  const items = Array.from({ length: 25 }, (_, i) => `item-${String(i).padStart(2, '0')}`); // 7 chars each
  const byCount = batchWithin(items, 10, 10_000, (s) => s.length);
  assert.deepEqual(
    byCount.map((b) => b.length),
    [10, 10, 5],
  );
  const byBytes = batchWithin(items, 100, 30, (s) => s.length, 2);
  assert.ok(byBytes.every((b) => 2 + b.reduce((n, s) => n + s.length, 0) <= 30));
  assert.deepEqual(byBytes.flat(), items);
  assert.throws(() => batchWithin(['x'.repeat(40)], 10, 30, (s) => s.length), RangeError);
});
