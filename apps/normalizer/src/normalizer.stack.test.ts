// Needs the local stack (bash tools/stack/stack.sh up): real Kafka on 127.0.0.1:9092.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { loadConfig } from '@klineflow/config';
import { createKafka, ensureTopics, rawTopic, TOPICS } from '@klineflow/kafka';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { createLogger, HealthRegistry, startTracing } from '@klineflow/observability';
import type { DeadLetter, KlineGap, StandardKline } from '@klineflow/schemas';
import { startKafkaLoop } from './kafka-loop.js';
import { integrityPolicy, Normalizer } from './pipeline.js';
import { loadStreamStates } from './state-store.js';

const MIN = 60_000;

/** A reader of `topic` from its current end on; resolves once its first fetch has fixed that offset. */
async function collect(kafka: Kafka, topic: string) {
  const groupId = `normalizer-stack-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const values: string[] = [];
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  const ready = new Promise<void>((resolve) => consumer.on(consumer.events.FETCH, () => joined && resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
  await ready;
  return { values, groupId, stop: () => consumer.disconnect() };
}

async function waitFor(what: string, deadlineMs: number, check: () => boolean): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function klineFrame(symbol: string, t: number, closed: boolean, E: number): string {
  return JSON.stringify({
    stream: `${symbol.toLowerCase()}@kline_1m`,
    data: {
      e: 'kline',
      E,
      s: symbol,
      k: { t, T: t + MIN - 1, s: symbol, i: '1m', o: '1.10', c: '1.20', h: '1.30', l: '1.00', v: '12.5', n: 3, x: closed, q: '14.00' },
    },
  });
}

async function produceRaw(kafka: Kafka, frames: { key: string; value: string }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const headers = { exchange: 'binance', conn_id: 'stack-test', recv_ts: String(Date.now()), kind: 'live' };
  await producer.send({ topic: rawTopic('binance'), messages: frames.map((f) => ({ ...f, headers })) });
  await producer.disconnect();
}

test(
  'raw.binance frames (one malformed) → normalizer loop → kline-data and dead-letter, with state persisted',
  { timeout: 90_000 },
  async () => {
    const config = loadConfig([], {});
    const kafka = createKafka(config.kafka, 'normalizer-stack-test');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, config.kafka.partitions);
    const symbol = `T${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}USDT`;
    const stream = `${symbol.toLowerCase()}@kline_1m`;
    const t0 = Math.floor(Date.now() / MIN) * MIN - 5 * MIN; // within the default 10 min clock skew of recv_ts
    const kline = (t: number, closed: boolean, E: number) => klineFrame(symbol, t, closed, E);
    const frames = [
      kline(t0, false, t0 + 1000),
      kline(t0, true, t0 + MIN),
      `{"stream":"${stream}","data":{"e":"kline"` /* malformed */,
      kline(t0 + MIN, true, t0 + 2 * MIN),
    ];

    const [klines, letters] = await Promise.all([collect(kafka, TOPICS.klines), collect(kafka, TOPICS.deadLetter)]);
    const spans = new InMemorySpanExporter();
    const tracer = startTracing('normalizer-test', { ...config.tracing, sample_ratio: 1 }, spans);
    const groupId = `normalizer-stack-${randomUUID()}`;
    const fatal: string[] = [];
    const normalizer = new Normalizer(integrityPolicy(config.integrity), config.integrity.inferred_close_grace_ms);
    const loop = await startKafkaLoop({
      kafka,
      normalizer,
      registry: new Registry(),
      health: new HealthRegistry(),
      logger: createLogger('normalizer-test', 'warn'),
      onFatal: (reason) => fatal.push(reason),
      groupId,
      topics: [rawTopic('binance')],
      fromBeginning: false,
    });
    await loop.ready;
    try {
      const producer = kafka.producer();
      await producer.connect();
      const recvTs = Date.now();
      await producer.send({
        topic: rawTopic('binance'),
        messages: frames.map((value) => ({
          key: stream,
          value,
          headers: { exchange: 'binance', conn_id: 'stack-test', recv_ts: String(recvTs), kind: 'live' },
        })),
      });
      await producer.disconnect();

      const ours = () => klines.values.map((v) => JSON.parse(v) as StandardKline).filter((k) => k.symbol === symbol);
      await waitFor('three klines of the test symbol', 30_000, () => ours().length >= 3);
      assert.deepEqual(
        ours().map((k) => [k.open_time, k.is_closed, k.open, k.volume, k.quote_volume, k.recv_time]),
        [
          [t0, false, '1.10', '12.5', '14.00', recvTs],
          [t0, true, '1.10', '12.5', '14.00', recvTs],
          [t0 + MIN, true, '1.10', '12.5', '14.00', recvTs],
        ],
      );
      const oursDead = () => letters.values.map((v) => JSON.parse(v) as DeadLetter).filter((d) => d.raw.includes(stream));
      await waitFor('the malformed frame in dead-letter', 30_000, () => oursDead().length >= 1);
      const [letter] = oursDead();
      assert.equal(letter!.reason, 'unparseable');
      assert.equal(letter!.raw, frames[2]);
      assert.equal(letter!.source_topic, 'raw.binance');

      // The batch's state snapshot reached the compacted topic: a restart would resume from it.
      const states = await loadStreamStates(kafka);
      assert.equal(states.get(`binance:${symbol}:1m`)?.lastClosedOpenTime, t0 + MIN);
      assert.deepEqual(fatal, []);

      await tracer.flush();
      const batchSpans = spans.getFinishedSpans().filter((s) => s.name === 'normalizer.batch');
      assert.ok(batchSpans.length >= 1, 'each consumed batch is traced');
      assert.equal(
        batchSpans.reduce((n, s) => n + Number(s.attributes.messages), 0),
        frames.length,
        'one span per batch, not per message',
      );
    } finally {
      await tracer.shutdown();
      await loop.stop();
      await klines.stop();
      await letters.stop();
      await admin.deleteGroups([groupId, klines.groupId, letters.groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  },
);

test(
  'a rebalance hands streams over with their state: partitions that move away and come back invent no gap',
  { timeout: 120_000 },
  async () => {
    const config = loadConfig([], {});
    const kafka = createKafka(config.kafka, 'normalizer-rebalance-test');
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, config.kafka.partitions);
    const tag = randomUUID().replace(/-/g, '').slice(0, 6).toUpperCase();
    // Enough streams that every partition of raw.binance carries some.
    const symbols = Array.from({ length: 24 }, (_, i) => `R${tag}${i}USDT`);
    const t0 = Math.floor(Date.now() / MIN) * MIN - 5 * MIN; // within the default 10 min clock skew of recv_ts
    const closeAll = (t: number) =>
      produceRaw(
        kafka,
        symbols.map((s) => ({ key: `${s.toLowerCase()}@kline_1m`, value: klineFrame(s, t, true, t + MIN) })),
      );
    const [klines, gaps] = await Promise.all([collect(kafka, TOPICS.klines), collect(kafka, TOPICS.klineGaps)]);
    const closedOf = (t: number) =>
      klines.values.map((v) => JSON.parse(v) as StandardKline).filter((k) => k.open_time === t && symbols.includes(k.symbol));
    const groupId = `normalizer-rebalance-${randomUUID()}`;
    const fatal: string[] = [];
    const start = () => {
      const normalizer = new Normalizer(integrityPolicy(config.integrity), config.integrity.inferred_close_grace_ms);
      return startKafkaLoop({
        kafka,
        normalizer,
        registry: new Registry(),
        health: new HealthRegistry(),
        logger: createLogger('normalizer-test', 'warn'),
        onFatal: (reason) => fatal.push(reason),
        groupId,
        topics: [rawTopic('binance')],
        fromBeginning: false,
      }).then((loop) => ({ loop, normalizer }));
    };
    const all = Array.from({ length: config.kafka.partitions }, (_, p) => `${rawTopic('binance')}:${p}`);
    const b = await start();
    let a: Awaited<ReturnType<typeof start>> | undefined;
    try {
      await b.loop.ready;
      await closeAll(t0);
      await waitFor('bar t0 of every stream', 30_000, () => closedOf(t0).length === symbols.length);

      a = await start();
      await waitFor(
        'the partitions split between two replicas',
        60_000,
        () =>
          a!.loop.assignment().size > 0 &&
          b.loop.assignment().size > 0 &&
          a!.loop.assignment().size + b.loop.assignment().size === all.length,
      );
      await closeAll(t0 + MIN);
      await closeAll(t0 + 2 * MIN);
      await waitFor(
        'bars t0+1 and t0+2 of every stream',
        30_000,
        () => closedOf(t0 + MIN).length === symbols.length && closedOf(t0 + 2 * MIN).length === symbols.length,
      );
      const moved = symbols.filter((s) => a!.normalizer.stateOf(`binance:${s}:1m`)?.lastClosedOpenTime === t0 + 2 * MIN);
      assert.ok(moved.length > 0 && moved.length < symbols.length, `some streams moved to the second replica: ${moved.length}`);

      await a.loop.stop();
      a = undefined;
      await waitFor('every partition back with the first replica', 60_000, () => b.loop.assignment().size === all.length);
      await closeAll(t0 + 3 * MIN);
      await waitFor('bar t0+3 of every stream', 30_000, () => closedOf(t0 + 3 * MIN).length === symbols.length);

      for (const s of symbols)
        assert.equal(b.normalizer.stateOf(`binance:${s}:1m`)?.lastClosedOpenTime, t0 + 3 * MIN, `${s}: state followed the stream`);
      const opened = gaps.values.map((v) => JSON.parse(v) as KlineGap).filter((g) => symbols.includes(g.symbol));
      assert.deepEqual(opened, [], 'no gap invented by stale state of a returning partition');
      for (let i = 0; i <= 3; i++) assert.equal(closedOf(t0 + i * MIN).length, symbols.length, `bar t0+${i} emitted once per stream`);
      assert.deepEqual(fatal, []);
    } finally {
      await a?.loop.stop();
      await b.loop.stop();
      await klines.stop();
      await gaps.stop();
      await admin.deleteGroups([groupId, klines.groupId, gaps.groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  },
);
