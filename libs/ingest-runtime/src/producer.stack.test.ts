// RawProducer against the real broker: a frame Kafka cannot take is dead-lettered with its size,
// never retried, and the frames behind it go on in order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { Kafka, logLevel, Partitioners, tailDeadLetters } from '@klineflow/kafka';
import { Registry } from 'prom-client';
import { createLogger } from '@klineflow/observability';
import { createIngestMetrics } from './metrics.js';
import { MAX_FRAME_BYTES, OVERSIZED_COPY_CHARS } from './oversize.js';
import { RawProducer } from './producer.js';

const RUN = Date.now();
const kafka = new Kafka({ clientId: 'raw-producer-test', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
const logger = createLogger('raw-producer-test', 'error');
logger.silent = true;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Everything that lands in `topic` from now on. */
async function collect(topic: string): Promise<{ values: string[]; stop(): Promise<void> }> {
  const groupId = `raw-producer-test-${topic}`;
  const consumer = kafka.consumer({ groupId });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
  return {
    values,
    stop: () =>
      consumer
        .disconnect()
        .then(() => admin.deleteGroups([groupId]))
        .then(() => undefined),
  };
}

function rawProducer(topic: string, registry: Registry) {
  return new RawProducer({
    producer,
    topic,
    lingerMs: 5,
    maxBuffered: 10_000,
    onBackpressure: () => {},
    metrics: createIngestMetrics(registry, 'huobi'),
    logger,
  });
}
const frame = (value: string): Message => ({
  key: 'market.btcusdt.kline.1min',
  value,
  headers: { exchange: 'huobi', conn_id: 'c1', recv_ts: '1', kind: 'live' },
});

before(async () => {
  await Promise.all([admin.connect(), producer.connect()]);
});

after(async () => {
  const ours = (await admin.listTopics()).filter((t) => t.endsWith(`-${RUN}`));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  await Promise.all([admin.disconnect(), producer.disconnect()]);
});

test('a frame over the message limit is dead-lettered with its size before sending; the queue moves on in order', async () => {
  const topic = `test-raw-oversize-${RUN}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const [landed, letters] = [await collect(topic), await tailDeadLetters(kafka)];
  const registry = new Registry();
  const raw = rawProducer(topic, registry);
  try {
    const huge = `{"ch":"market.btcusdt.kline.1min","junk":"${'x'.repeat(1024 * 1024)}"}`;
    for (const value of ['small-1', huge, 'small-2', 'small-3']) raw.enqueue(frame(value));
    await until('the small frames', () => (landed.values.length >= 3 ? true : undefined));
    assert.deepEqual(landed.values, ['small-1', 'small-2', 'small-3'], 'in order, nothing held back');
    const letter = await until('the dead letter', () => letters.letters.find((l) => l.source_topic === topic));
    assert.equal(letter.reason, 'frame_too_large');
    assert.equal(letter.service, 'ingest-huobi');
    assert.equal(letter.exchange, 'huobi');
    assert.match(
      letter.detail,
      new RegExp(
        `frame of ${Buffer.byteLength(huge) + 'market.btcusdt.kline.1min'.length + 'exchangehuobiconn_idc1recv_ts1kindlive'.length} bytes \\(${MAX_FRAME_BYTES} at most\\)`,
      ),
    );
    assert.equal(letter.raw, huge.slice(0, OVERSIZED_COPY_CHARS));
    const counted = (await registry.getSingleMetric('klineflow_dead_letter_total')!.get()).values.find(
      (v) => v.labels.reason === 'frame_too_large',
    );
    assert.equal(counted?.value, 1);
    const errors = (await registry.getSingleMetric('klineflow_kafka_produce_errors_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    assert.equal(errors, 0, 'never sent, so never failed nor retried');
  } finally {
    await raw.drain(5000);
    await landed.stop();
    await letters.stop();
  }
});

test('a frame the broker refuses as MESSAGE_TOO_LARGE is isolated from its batch and dead-lettered, never retried', async () => {
  // A topic that takes less than our own check allows: the broker's refusal is the only signal.
  const topic = `test-raw-refused-${RUN}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '20000' }] }],
    waitForLeaders: true,
  });
  const [landed, letters] = [await collect(topic), await tailDeadLetters(kafka)];
  const registry = new Registry();
  const raw = rawProducer(topic, registry);
  try {
    const big = `big-${'y'.repeat(50_000)}`;
    const values = ['a', 'b', big, 'c', 'd', 'e'];
    // One enqueue burst: the first send carries the big frame among the small ones.
    for (const value of values) raw.enqueue(frame(value));
    await until('the other frames', () => (landed.values.length >= 5 ? true : undefined));
    assert.deepEqual(landed.values, ['a', 'b', 'c', 'd', 'e'], 'every other frame, in order');
    const letter = await until('the dead letter', () => letters.letters.find((l) => l.source_topic === topic));
    assert.equal(letter.reason, 'frame_too_large');
    assert.equal(letter.raw, big.slice(0, OVERSIZED_COPY_CHARS));
    assert.equal(raw.depth, 0, 'nothing left queued');
  } finally {
    await raw.drain(5000);
    await landed.stop();
    await letters.stop();
  }
});
