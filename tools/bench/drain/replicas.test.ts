import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promCounter, replicaEnv, scaling, splitSummary } from './replicas.js';
import { parseOptions } from './options.js';

const raw = (topic: string, ps: number[]) => ps.map((p) => `${topic}:${p}`);
const ALL = ['raw.binance', 'raw.okx', 'raw.huobi'].flatMap((t) => raw(t, [0, 1, 2, 3, 4, 5]));

test('two replicas holding 9 partitions each: shares, imbalance, nothing unassigned or shared', () => {
  const a = ['raw.binance', 'raw.okx', 'raw.huobi'].flatMap((t) => raw(t, [0, 1, 2]));
  const b = ['raw.binance', 'raw.okx', 'raw.huobi'].flatMap((t) => raw(t, [3, 4, 5]));
  const s = splitSummary(
    [
      { partitions: a, frames: 30_000 },
      { partitions: b, frames: 20_000 },
    ],
    50_000,
    ALL,
  );
  assert.deepEqual(s.partitionCounts, [9, 9]);
  assert.deepEqual(s.shares, [0.6, 0.4]);
  assert.equal(s.imbalance, 1.2);
  assert.equal(s.frames, 50_000);
  assert.equal(s.excessFrames, 0);
  assert.deepEqual(s.unassigned, []);
  assert.deepEqual(s.shared, []);
});

test('a rebalance shows as frames read twice, a partition held by both, one held by nobody', () => {
  const s = splitSummary(
    [
      { partitions: [...ALL.slice(0, 10)], frames: 40_000 },
      { partitions: ALL.slice(9, 17), frames: 12_000 },
    ],
    50_000,
    ALL,
  );
  assert.equal(s.excessFrames, 2_000);
  assert.deepEqual(s.shared, [ALL[9]]);
  assert.deepEqual(s.unassigned, [ALL[17]]);
  assert.ok(Math.abs(s.imbalance - 40_000 / 26_000) < 1e-12);
});

test('one replica does everything: imbalance 1; nothing consumed: no shares', () => {
  assert.equal(splitSummary([{ partitions: ALL, frames: 50_000 }], 50_000, ALL).imbalance, 1);
  const none = splitSummary(
    [
      { partitions: [], frames: 0 },
      { partitions: [], frames: 0 },
    ],
    10,
    ALL,
  );
  assert.ok(none.shares.every(Number.isNaN));
  assert.ok(Number.isNaN(none.imbalance));
  assert.equal(none.unassigned.length, 18);
});

test('the scaling ratio needs a single-replica rate of the same run', () => {
  assert.equal(scaling(45_000, 30_000), 1.5);
  assert.equal(scaling(45_000, undefined), undefined);
  assert.equal(scaling(45_000, 0), undefined);
});

test('klineflow_consumed_total summed over its topics from a /metrics page', () => {
  const page = [
    '# HELP klineflow_consumed_total Kafka messages consumed',
    '# TYPE klineflow_consumed_total counter',
    'klineflow_consumed_total{topic="raw.binance"} 12000',
    'klineflow_consumed_total{topic="raw.okx"} 8000.5',
    'klineflow_consumed_total_created 1700000000',
    'klineflow_consumer_up{group="normalizer"} 1',
  ].join('\n');
  const c = promCounter(page, 'klineflow_consumed_total');
  assert.equal(c.total, 20_000.5);
  assert.deepEqual(c.byLabels, { 'topic="raw.binance"': 12000, 'topic="raw.okx"': 8000.5 });
  assert.deepEqual(promCounter('', 'klineflow_consumed_total'), { total: 0, byLabels: {} });
});

test('each replica gets its own /metrics port and client id through KLINEFLOW__ env overrides', () => {
  assert.deepEqual(replicaEnv(19504, 0), {
    KLINEFLOW__METRICS__PORTS__NORMALIZER: '19504',
    KLINEFLOW__KAFKA__CLIENT_ID: 'klineflow-bench-r1',
  });
  assert.equal(replicaEnv(19504, 1).KLINEFLOW__METRICS__PORTS__NORMALIZER, '19514');
});

test('--replicas: a list of counts, 1 by default, only with the normalizer', () => {
  assert.deepEqual(parseOptions([]).replicas, [1]);
  assert.deepEqual(parseOptions(['--replicas', '1,2']).replicas, [1, 2]);
  assert.throws(() => parseOptions(['--replicas', '0']), /replica counts/);
  assert.throws(() => parseOptions(['--replicas', '2,2']), /once/);
  assert.throws(() => parseOptions(['--only', 'redis-writer', '--replicas', '2']), /normalizer/);
});
