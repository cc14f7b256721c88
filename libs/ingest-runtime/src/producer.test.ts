import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Message, ProducerRecord } from 'kafkajs';
import { createLogger } from '@klineflow/observability';
import { createIngestMetrics } from './metrics.js';
import { RawProducer } from './producer.js';

const logger = createLogger('producer-test', 'error');
logger.silent = true;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Stands in for the kafkajs send call only: this tests the queue, not Kafka (the stack test does that). */
function fakeSend() {
  const delivered: Message[] = [];
  const state = { failing: false, calls: 0, acks: [] as Array<number | undefined> };
  const send = async (record: ProducerRecord) => {
    state.calls++;
    state.acks.push(record.acks);
    if (state.failing) throw new Error('broker unavailable');
    delivered.push(...record.messages);
    return [];
  };
  return { delivered, state, producer: { send } };
}

test('batches within the linger, in order, with acks from all replicas', async () => {
  const { delivered, state, producer } = fakeSend();
  const raw = new RawProducer({
    producer,
    topic: 'raw.binance',
    lingerMs: 20,
    maxBuffered: 1000,
    onBackpressure: () => {},
    metrics: createIngestMetrics(new Registry(), 'binance'),
    logger,
  });
  for (let i = 0; i < 300; i++) raw.enqueue({ key: `k${i % 3}`, value: String(i) });
  await waitFor(() => delivered.length === 300, 'delivery');
  assert.deepEqual(
    delivered.map((m) => m.value),
    Array.from({ length: 300 }, (_, i) => String(i)),
  );
  assert.equal(state.calls, 1, 'one batch, not one send per frame');
  assert.deepEqual(state.acks, [-1]);
});

test('pauses the sources when full, keeps retrying through an outage, resumes and loses nothing', async () => {
  const { delivered, state, producer } = fakeSend();
  const pressure: boolean[] = [];
  const availability: boolean[] = [];
  const registry = new Registry();
  const raw = new RawProducer({
    producer,
    topic: 'raw.okx',
    lingerMs: 1,
    maxBuffered: 100,
    onBackpressure: (paused) => pressure.push(paused),
    onAvailability: (up) => availability.push(up),
    metrics: createIngestMetrics(registry, 'okx'),
    logger,
  });
  state.failing = true;
  for (let i = 0; i < 150; i++) raw.enqueue({ key: 'k', value: String(i) });
  assert.deepEqual(pressure, [true], 'paused once at the bound');
  await waitFor(() => state.calls >= 3, 'retries during the outage');
  assert.deepEqual(availability, [false]);
  assert.equal(raw.depth, 150, 'nothing dropped while Kafka is down');
  state.failing = false;
  await waitFor(() => delivered.length === 150, 'delivery after recovery');
  assert.deepEqual(
    delivered.map((m) => Number(m.value)),
    Array.from({ length: 150 }, (_, i) => i),
    'order kept across retries',
  );
  assert.deepEqual(pressure, [true, false]);
  assert.deepEqual(availability, [false, true]);
  const errors = (await registry.getSingleMetric('klineflow_kafka_produce_errors_total')!.get()).values[0]!.value;
  assert.ok(errors >= 3);
});

test('drain flushes what is left at shutdown', async () => {
  const { delivered, producer } = fakeSend();
  const raw = new RawProducer({
    producer,
    topic: 'raw.huobi',
    lingerMs: 10_000,
    maxBuffered: 1000,
    onBackpressure: () => {},
    metrics: createIngestMetrics(new Registry(), 'huobi'),
    logger,
  });
  for (let i = 0; i < 5; i++) raw.enqueue({ key: 'k', value: String(i) });
  await raw.drain(1000);
  assert.equal(delivered.length, 5);
});
