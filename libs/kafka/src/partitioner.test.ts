import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PartitionerArgs } from 'kafkajs';
import { Partitioners } from './kafkajs.js';
import { MemoPartitioner } from './partitioner.js';

const metadata = (n: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

test('MemoPartitioner picks the partition the Java-compatible default picks, for every key, also after the partition count changes', () => {
  const memo = MemoPartitioner();
  const reference = Partitioners.DefaultPartitioner();
  const keys = Array.from({ length: 500 }, (_, i) => `binance:SYM${i}USDT:1m`);
  for (const partitions of [6, 6, 12]) {
    for (const key of keys) {
      const args = { topic: 'kline-data', partitionMetadata: metadata(partitions), message: { key, value: '{}' } };
      assert.equal(memo(args), reference(args), `${key} over ${partitions} partitions`);
    }
  }
});

test('MemoPartitioner honours an explicit partition', () => {
  const memo = MemoPartitioner();
  assert.equal(memo({ topic: 't', partitionMetadata: metadata(6), message: { key: 'a', value: '', partition: 4 } }), 4);
});
