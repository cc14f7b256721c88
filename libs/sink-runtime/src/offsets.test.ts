import { test } from 'node:test';
import assert from 'node:assert/strict';
import { offsetsToCommit, type SinkRecord } from './batching-consumer.js';

const rec = (topic: string, partition: number, offset: string): SinkRecord => ({ topic, partition, offset, key: '', value: '' });

test('commits, per topic-partition, one past the highest offset written, in any arrival order', () => {
  const commits = offsetsToCommit([rec('a', 0, '7'), rec('a', 1, '3'), rec('a', 0, '9'), rec('b', 0, '1'), rec('a', 0, '8')]);
  assert.deepEqual(
    commits.sort((x, y) => `${x.topic}${x.partition}`.localeCompare(`${y.topic}${y.partition}`)),
    [
      { topic: 'a', partition: 0, offset: '10' },
      { topic: 'a', partition: 1, offset: '4' },
      { topic: 'b', partition: 0, offset: '2' },
    ],
  );
});

test('offsets beyond 2^53 stay exact', () => {
  assert.deepEqual(offsetsToCommit([rec('a', 0, '9007199254740993')]), [{ topic: 'a', partition: 0, offset: '9007199254740994' }]);
});

test('an empty batch commits nothing', () => {
  assert.deepEqual(offsetsToCommit([]), []);
});
