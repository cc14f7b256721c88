import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { histogram, LATENCY_BUCKETS, METRICS } from './metrics.js';

test('latency buckets resolve the 10 ms target: ascending, fine below 10 ms, at most 2.5 ms wide there', () => {
  assert.deepEqual(
    [...LATENCY_BUCKETS].sort((a, b) => a - b),
    LATENCY_BUCKETS,
  );
  const fine = LATENCY_BUCKETS.filter((b) => b <= 0.01);
  assert.ok(fine.length >= 7, `${fine.length} boundaries at or below 10 ms`);
  assert.ok(fine[0]! <= 0.00025, 'sub-millisecond resolution at the bottom');
  const widths = fine.map((b, i) => b - (fine[i - 1] ?? 0));
  assert.ok(Math.max(...widths) <= 0.0025 + 1e-12, `widest bucket below 10 ms: ${Math.max(...widths) * 1000} ms`);
  assert.equal(LATENCY_BUCKETS.at(-1), 10, 'still reaches 10 s for a backlog');
});

test('a 4 ms sample and a 6 ms sample land in different buckets, both under the 10 ms edge', async () => {
  const registry = new Registry();
  const h = histogram(registry, METRICS.processingLatency);
  h.observe({ stage: 'redis' }, 0.004);
  h.observe({ stage: 'redis' }, 0.006);
  const text = await registry.metrics();
  const bucket = (le: string) =>
    Number(new RegExp(`klineflow_processing_latency_seconds_bucket\\{le="${le}",stage="redis"\\} (\\d+)`).exec(text)?.[1]);
  assert.equal(bucket('0.003'), 0);
  assert.equal(bucket('0.005'), 1);
  assert.equal(bucket('0.0075'), 2);
  assert.equal(bucket('0.01'), 2);
});
