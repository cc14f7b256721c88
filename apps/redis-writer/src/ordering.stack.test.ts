// Update order on the real stack (issue 10, item 9): two updates of one OKX bar received in the same
// millisecond share `event_time`; the normalizer's `order` header travels through Kafka, and Redis keeps
// the later one. A replayed earlier update, and a hot-standby copy, change nothing and push nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { arrivalOrder, Kafka, logLevel, ORDER_HEADER } from '@klineflow/kafka';
import { Registry } from 'prom-client';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import type { StandardKline } from '@klineflow/schemas';
import { BatchingSinkConsumer } from '@klineflow/sink-runtime';
// Two updates of one OKX bar received in the same millisecond.
import { firstOkxUpdate as first, secondOkxUpdate as second } from '@klineflow/test-support';
import { createRedisWriter, withApplyScript } from './writer.js';

const RUN = Date.now();
const PREFIX = `test:order:${RUN}:`;
const BROKER = '127.0.0.1:9092';
const kafka = new Kafka({ clientId: 'redis-writer-order-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer();
const direct = new Redis('redis://127.0.0.1:6379/0', { lazyConnect: true });
const subscriber = new Redis('redis://127.0.0.1:6379/0', { lazyConnect: true });
const pushes: Array<{ channel: string; message: string }> = [];
const cleanup: Array<() => Promise<unknown> | unknown> = [];

/** A normalized record as the normalizer sends it: keyed by stream, `order` from the raw frame's offset. */
const message = (kline: StandardKline, rawOffset: number) => ({
  key: `okx:${kline.symbol}:1m`,
  value: JSON.stringify(kline),
  headers: { [ORDER_HEADER]: arrivalOrder(String(rawOffset), 0) },
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function committedSum(groupId: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets.flatMap((t) => t.partitions).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

async function latestOf(symbol: string): Promise<StandardKline> {
  return JSON.parse((await direct.hget(`${PREFIX}kline:okx:${symbol}:1m`, 'latest')) ?? 'null') as StandardKline;
}

const pushedOn = (symbol: string) =>
  pushes.filter((p) => p.channel === `${PREFIX}kline:okx:${symbol}:1m`).map((p) => JSON.parse(p.message) as StandardKline);

let topic = '';
let group = '';
let sent = 0;

/** Sends one request and waits until the redis-writer has written and committed it. */
async function send(messages: ReturnType<typeof message>[]): Promise<void> {
  await producer.send({ topic, acks: -1, messages });
  sent += messages.length;
  await until(`${sent} records committed`, async () => ((await committedSum(group, topic)) === sent ? true : undefined));
}

before(async () => {
  await Promise.all([admin.connect(), producer.connect(), direct.connect(), subscriber.connect()]);
  subscriber.on('pmessage', (_pattern, channel, text) => pushes.push({ channel, message: text }));
  await subscriber.psubscribe(`${PREFIX}*`);
  topic = `test-rw-order-${RUN}`;
  group = `g-rw-order-${RUN}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const redis = withApplyScript(
    new Redis('redis://127.0.0.1:6379/0', { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true }),
  );
  await redis.connect();
  cleanup.push(() => redis.disconnect());
  const write = createRedisWriter({
    redis,
    registry: new Registry(),
    keyPrefix: PREFIX,
    topicKinds: new Map([[topic, 'kline']]),
    publishRejects: async (r) => assert.fail(`rejected: ${r.map((x) => x.reason).join()}`),
  });
  const sink = new BatchingSinkConsumer({
    kafka,
    brokers: [BROKER],
    registry: new Registry(),
    health: new HealthRegistry(),
    logger: createLogger('redis-writer-order-test', 'error'),
    sink: 'redis',
    groupId: group,
    topics: [topic],
    maxBatch: 500,
    maxDelayMs: 0,
    onFatal: (reason) => assert.fail(reason),
    write,
  });
  cleanup.push(() => sink.stop());
  await sink.start();
});

after(async () => {
  for (const step of cleanup.reverse()) await step();
  const keys = await direct.keys(`${PREFIX}*`);
  if (keys.length > 0) await direct.del(...keys);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  direct.disconnect();
  subscriber.disconnect();
});

test('two updates of one OKX bar in the same millisecond, written one at a time: latest holds the later one exactly', async () => {
  // Separate sends, so each is its own write and the Lua comparison, not the batch coalescing, decides.
  await send([message(first('BTCUSDT'), 41)]);
  await send([message(second('BTCUSDT'), 42)]);
  const latest = await latestOf('BTCUSDT');
  assert.equal(latest.close, '64038.2');
  assert.equal(latest.volume, '2.25101046');
  assert.deepEqual(latest, second('BTCUSDT'), 'stored exactly as sent');
  await until('both pushes', () => (pushedOn('BTCUSDT').length >= 2 ? true : undefined));
  assert.deepEqual(pushedOn('BTCUSDT'), [first('BTCUSDT'), second('BTCUSDT')]);
});

test('a replayed earlier update (same record, same order) does not overwrite the later one, and is not pushed', async () => {
  await send([message(first('BTCUSDT'), 41)]);
  // A replay of both, in one batch, as a sink restart reads them again.
  await send([message(first('BTCUSDT'), 41), message(second('BTCUSDT'), 42)]);
  assert.deepEqual(await latestOf('BTCUSDT'), second('BTCUSDT'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(pushedOn('BTCUSDT').length, 2, 'nothing new was published');
});

test("an identical copy with a later order (a hot-standby connection's, in the same millisecond) is no change and is not pushed", async () => {
  await send([message(second('BTCUSDT'), 43)]);
  assert.deepEqual(await latestOf('BTCUSDT'), second('BTCUSDT'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(pushedOn('BTCUSDT').length, 2);
});

test('both updates in one batch: the coalescing keeps the later one too', async () => {
  await send([message(first('ETHUSDT'), 7), message(second('ETHUSDT'), 8)]);
  assert.deepEqual(await latestOf('ETHUSDT'), second('ETHUSDT'));
  await until('one push', () => (pushedOn('ETHUSDT').length >= 1 ? true : undefined));
  assert.deepEqual(pushedOn('ETHUSDT'), [second('ETHUSDT')]);
});

test('records without an order header keep the first of a tie, as before (event-time-ordered streams: a tie is the same event twice)', async () => {
  const plain = (kline: StandardKline) => ({ key: `okx:${kline.symbol}:1m`, value: JSON.stringify(kline) });
  await producer.send({ topic, acks: -1, messages: [plain(first('SOLUSDT'))] });
  await until('committed', async () => ((await committedSum(group, topic)) === sent + 1 ? true : undefined));
  await producer.send({ topic, acks: -1, messages: [plain(second('SOLUSDT'))] });
  await until('committed', async () => ((await committedSum(group, topic)) === sent + 2 ? true : undefined));
  sent += 2;
  assert.deepEqual(await latestOf('SOLUSDT'), first('SOLUSDT'));
});
