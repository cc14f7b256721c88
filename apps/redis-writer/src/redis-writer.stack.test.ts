// redis-writer on the real stack: Kafka → BatchingSinkConsumer → Redis 7 through a cuttable
// proxy. Latest/closed fields, newer never replaced by older, pushes to a real subscriber,
// ticker/depth, and no commit while Redis is unreachable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Kafka, logLevel, tailDeadLetters } from '@klineflow/kafka';
import { Registry } from 'prom-client';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import type { StandardKline } from '@klineflow/schemas';
import { huobiDepth, okxTicker } from './test-records.js';
import { BatchingSinkConsumer, DeadLetterPublisher, type SinkRecord } from '@klineflow/sink-runtime';
import { TcpProxy } from '@klineflow/test-support';
import type { RecordKind } from './plan.js';
import { createRedisWriter, withApplyScript } from './writer.js';

const RUN = Date.now();
const PREFIX = `test:${RUN}:`;
const BROKER = '127.0.0.1:9092';
const kafka = new Kafka({ clientId: 'redis-writer-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer();
const direct = new Redis('redis://127.0.0.1:6379/0', { lazyConnect: true });
const subscriber = new Redis('redis://127.0.0.1:6379/0', { lazyConnect: true });
const proxy = new TcpProxy(6379);
const pushes: Array<{ channel: string; message: string }> = [];
const cleanup: Array<() => Promise<unknown> | unknown> = [];

const MINUTE = 60_000;
const T0 = 1_700_000_040_000;
const bar = (i: number, over: Partial<StandardKline> = {}): StandardKline => ({
  exchange: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  open_time: T0 + i * MINUTE,
  close_time: T0 + i * MINUTE + MINUTE - 1,
  open: '10050.00',
  high: '10058.00',
  low: '10049.5',
  close: '10051.25',
  volume: '9.2E-7',
  quote_volume: '0.0092',
  trade_count: 10 + i,
  is_closed: false,
  event_time: T0 + i * MINUTE + 1_000,
  recv_time: T0 + i * MINUTE + 1_005,
  ...over,
});
const ticker = (eventTime: number, lastPrice: string) =>
  okxTicker({ last_price: lastPrice, event_time: eventTime, recv_time: eventTime + 3 });
const depth = (eventTime: number, bestBid: string) =>
  huobiDepth({ bids: [[bestBid, '1.5']], update_id: String(eventTime), event_time: eventTime, recv_time: eventTime + 2 });

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function hash(key: string): Promise<Record<string, unknown>> {
  const fields = await direct.hgetall(PREFIX + key);
  return Object.fromEntries(Object.entries(fields).map(([field, json]) => [field, JSON.parse(json)]));
}

async function committedSum(groupId: string, topics: string[]): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics });
  return offsets.flatMap((t) => t.partitions).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

async function writerViaProxy(topicKinds?: ReadonlyMap<string, RecordKind>) {
  const redis = withApplyScript(
    new Redis(`redis://${proxy.url}/0`, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 2_000,
      retryStrategy: () => 50,
      lazyConnect: true,
    }),
  );
  redis.on('error', () => undefined);
  await redis.connect();
  cleanup.push(() => redis.disconnect());
  const registry = new Registry();
  const rejects: string[] = [];
  const write = createRedisWriter({
    redis,
    registry,
    keyPrefix: PREFIX,
    ...(topicKinds ? { topicKinds } : {}),
    publishRejects: async (r) => void rejects.push(...r.map((x) => x.reason)),
  });
  return { redis, registry, write, rejects };
}

let nextOffset = 0;
const asRecords = (topic: string, values: object[]): SinkRecord[] =>
  values.map((v) => ({ topic, partition: 0, offset: String(nextOffset++), key: 'k', value: JSON.stringify(v) }));

before(async () => {
  await Promise.all([admin.connect(), producer.connect(), direct.connect(), subscriber.connect(), proxy.open()]);
  subscriber.on('pmessage', (_pattern, channel, message) => pushes.push({ channel, message }));
  await subscriber.psubscribe(`${PREFIX}*`);
});

after(async () => {
  for (const step of cleanup.reverse()) await step();
  const keys = await direct.keys(`${PREFIX}*`);
  if (keys.length > 0) await direct.del(...keys);
  const ours = (await admin.listTopics()).filter((t) => t.endsWith(`-${RUN}`));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  await Promise.all([admin.disconnect(), producer.disconnect(), proxy.cut()]);
  direct.disconnect();
  subscriber.disconnect();
});

test('latest and closed are set if newer, atomically in Redis, and only applied updates are published', async () => {
  const { write, registry } = await writerViaProxy();
  const key = 'kline:binance:BTCUSDT:1m';
  const channel = PREFIX + key;
  const pushed = () => pushes.filter((p) => p.channel === channel).map((p) => JSON.parse(p.message) as StandardKline);

  const bar2Open = bar(2);
  await write(asRecords('kline-data', [bar2Open]));
  const bar1Closed = bar(1, { is_closed: true, event_time: T0 + 2 * MINUTE, close: '10052.00' });
  await write(asRecords('kline-data', [bar1Closed])); // late closed bar: only `closed` moves
  await write(asRecords('kline-data', [bar(1, { event_time: T0 + MINUTE + 30_000 })])); // stale open update of bar 1
  await write(asRecords('kline-data', [bar(0, { is_closed: true })])); // an older closed bar
  await write(asRecords('kline-data', [bar2Open])); // a replay

  assert.deepEqual(await hash(key), { latest: bar2Open, closed: bar1Closed });
  await until('two pushes', () => (pushed().length >= 2 ? true : undefined));
  assert.deepEqual(pushed(), [bar2Open, bar1Closed], 'the skipped writes were not published');
  const skipped = (await registry.getSingleMetric('klineflow_sink_stale_writes_skipped_total')!.get()).values[0]!.value;
  // latest: late closed bar 1, stale open of bar 1, closed bar 0, replay; closed: closed bar 0.
  assert.equal(skipped, 5);

  const bar2Closed = bar(2, { is_closed: true, event_time: bar2Open.event_time });
  await write(asRecords('kline-data', [bar2Closed]));
  assert.deepEqual(
    await hash(key),
    { latest: bar2Closed, closed: bar2Closed },
    'the close of a bar beats its open update at the same event time',
  );
  await until('one push for both fields', () => (pushed().length === 3 ? true : undefined));
});

test('Kafka end to end: klines, tickers and depth land in their hashes, out-of-order input never regresses, and offsets commit', async () => {
  const topics = { kline: `test-rw-kline-${RUN}`, ticker: `test-rw-ticker-${RUN}`, depth: `test-rw-depth-${RUN}` };
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true });
  const { write } = await writerViaProxy(
    new Map<string, RecordKind>([
      [topics.kline, 'kline'],
      [topics.ticker, 'ticker'],
      [topics.depth, 'depth'],
    ]),
  );
  const group = `g-rw-${RUN}`;
  const sink = new BatchingSinkConsumer({
    kafka,
    brokers: [BROKER],
    registry: new Registry(),
    health: new HealthRegistry(),
    logger: createLogger('redis-writer-test', 'error'),
    sink: 'redis',
    groupId: group,
    topics: Object.values(topics),
    maxBatch: 500,
    maxDelayMs: 0,
    onFatal: (reason) => assert.fail(reason),
    write,
  });
  cleanup.push(() => sink.stop());
  await sink.start();

  const eth = { exchange: 'okx', symbol: 'ETHUSDT', interval: '5m' } as const;
  const k = (i: number, over: Partial<StandardKline> = {}) =>
    bar(i, {
      ...eth,
      open_time: T0 + i * 5 * MINUTE,
      close_time: T0 + (i + 1) * 5 * MINUTE - 1,
      trade_count: null,
      event_time: T0 + i * 5 * MINUTE + 1_000,
      ...over,
    });
  const newest = k(3);
  const lastClosed = k(2, { is_closed: true, event_time: T0 + 3 * 5 * MINUTE });
  // Separate sends so each lands in its own fetch and the Lua comparison, not the coalescing, decides.
  for (const value of [newest, lastClosed, k(2), k(1, { is_closed: true })]) {
    await producer.send({ topic: topics.kline, acks: -1, messages: [{ key: 'okx:ETHUSDT:5m', value: JSON.stringify(value) }] });
  }
  await producer.send({
    topic: topics.ticker,
    acks: -1,
    messages: [ticker(2_000, '2001.50'), ticker(1_000, '1999.00')].map((t) => ({ key: 'okx:ETHUSDT', value: JSON.stringify(t) })),
  });
  await producer.send({
    topic: topics.depth,
    acks: -1,
    messages: [{ key: 'huobi:BTCUSDT', value: JSON.stringify(depth(5_000, '10050.00')) }],
  });

  await until('all 7 records committed', async () => ((await committedSum(group, Object.values(topics))) === 7 ? true : undefined));
  assert.deepEqual(await hash('kline:okx:ETHUSDT:5m'), { latest: newest, closed: lastClosed });
  assert.deepEqual(await hash('ticker:okx:ETHUSDT'), { latest: ticker(2_000, '2001.50') });
  const depthText = await direct.hget(`${PREFIX}depth:huobi:BTCUSDT`, 'latest');
  assert.equal(depthText, JSON.stringify(depth(5_000, '10050.00')), 'stored exactly as consumed');
  await until('a push on the depth channel', () => (pushes.some((p) => p.channel === `${PREFIX}depth:huobi:BTCUSDT`) ? true : undefined));
});

test('while Redis is unreachable nothing is committed and the sink is down (not ready); on return everything is written', async () => {
  const topic = `test-rw-outage-${RUN}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  const { write } = await writerViaProxy(new Map([[topic, 'kline']]));
  const group = `g-rw-outage-${RUN}`;
  const health = new HealthRegistry();
  const sink = new BatchingSinkConsumer({
    kafka,
    brokers: [BROKER],
    registry: new Registry(),
    health,
    logger: createLogger('redis-writer-test', 'error'),
    sink: 'redis',
    groupId: group,
    topics: [topic],
    maxBatch: 500,
    maxDelayMs: 0,
    retry: { initialMs: 50, maxMs: 300 },
    onFatal: (reason) => assert.fail(reason),
    write,
  });
  cleanup.push(() => sink.stop());
  await sink.start();
  await proxy.cut();
  const outage = { symbol: 'SOLUSDT' } as const;
  const bars = [0, 1, 2].map((i) => bar(i, { ...outage, is_closed: true }));
  await producer.send({ topic, acks: -1, messages: bars.map((b) => ({ key: 'binance:SOLUSDT:1m', value: JSON.stringify(b) })) });

  await until('the sink to notice the outage', () => (health.get('sink:redis')?.status === 'down' ? true : undefined));
  assert.equal(await committedSum(group, [topic]), 0, 'no offset committed while Redis is away');
  assert.deepEqual(await hash('kline:binance:SOLUSDT:1m'), {});

  await proxy.open();
  await until('the bars after recovery', async () => ((await hash('kline:binance:SOLUSDT:1m')).closed ? true : undefined));
  assert.deepEqual(await hash('kline:binance:SOLUSDT:1m'), { latest: bars[2], closed: bars[2] });
  await until('offsets committed after recovery', async () => ((await committedSum(group, [topic])) === 3 ? true : undefined));
  assert.equal(health.get('sink:redis')?.status, 'up');
});

test('Redis reconnecting ends the pause at once, however far off the next backoff retry is', async () => {
  const topic = `test-rw-back-${RUN}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const { redis, write } = await writerViaProxy(new Map([[topic, 'kline']]));
  const health = new HealthRegistry();
  const sink = new BatchingSinkConsumer({
    kafka,
    brokers: [BROKER],
    registry: new Registry(),
    health,
    logger: createLogger('redis-writer-test', 'error'),
    sink: 'redis',
    groupId: `g-rw-back-${RUN}`,
    topics: [topic],
    maxBatch: 500,
    maxDelayMs: 0,
    // Retries a minute apart: only the reconnect event can make the write prompt.
    retry: { initialMs: 60_000, maxMs: 60_000 },
    onFatal: (reason) => assert.fail(reason),
    write,
  });
  redis.on('ready', () => sink.storeReachable()); // as apps/redis-writer/src/main.ts wires it
  cleanup.push(() => sink.stop());
  await sink.start();
  await proxy.cut();
  const bars = [0, 1].map((i) => bar(i, { symbol: 'ADAUSDT', is_closed: true }));
  await producer.send({ topic, acks: -1, messages: bars.map((b) => ({ key: 'binance:ADAUSDT:1m', value: JSON.stringify(b) })) });
  await until('the sink to notice the outage', () => (health.get('sink:redis')?.status === 'down' ? true : undefined));

  const reopenedAt = Date.now();
  await proxy.open();
  await until('the bars after Redis is back', async () => ((await hash('kline:binance:ADAUSDT:1m')).closed ? true : undefined));
  assert.ok(Date.now() - reopenedAt < 30_000, `written ${Date.now() - reopenedAt} ms after Redis was back, long before the next retry`);
  assert.deepEqual(await hash('kline:binance:ADAUSDT:1m'), { latest: bars[1], closed: bars[1] });
});

test("a key Redis refuses (WRONGTYPE) dead-letters its records with Redis's error; the other keys commit, with no pause", async () => {
  const topic = `test-rw-refused-${RUN}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  // Something else left a plain string under the key the hash belongs at: every script call on it fails.
  await direct.set(`${PREFIX}kline:binance:WRONGUSDT:1m`, 'not a hash');
  const tail = await tailDeadLetters(kafka);
  const publisher = new DeadLetterPublisher(kafka, 'redis-writer');
  await publisher.connect();
  cleanup.push(
    () => publisher.disconnect(),
    () => tail.stop(),
  );
  const redis = withApplyScript(
    new Redis(`redis://${proxy.url}/0`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true }),
  );
  await redis.connect();
  cleanup.push(() => redis.disconnect());
  const registry = new Registry();
  const health = new HealthRegistry();
  const write = createRedisWriter({
    redis,
    registry,
    keyPrefix: PREFIX,
    topicKinds: new Map([[topic, 'kline']]),
    publishRejects: (rejects) => publisher.publish(rejects),
  });
  const group = `g-rw-refused-${RUN}`;
  const sink = new BatchingSinkConsumer({
    kafka,
    brokers: [BROKER],
    registry,
    health,
    logger: createLogger('redis-writer-test', 'error'),
    sink: 'redis',
    groupId: group,
    topics: [topic],
    maxBatch: 500,
    maxDelayMs: 0,
    retry: { initialMs: 50, maxMs: 300 },
    onFatal: (reason) => assert.fail(reason),
    write,
  });
  cleanup.push(() => sink.stop());
  const wrong = [0, 1].map((i) => bar(i, { symbol: 'WRONGUSDT', is_closed: i === 0 }));
  const good = [0, 1].map((i) => bar(i, { symbol: 'GOODUSDT', is_closed: i === 0 }));
  // One send, so one batch holds both keys.
  await producer.send({
    topic,
    acks: -1,
    messages: [...wrong, ...good].map((b) => ({ key: `binance:${b.symbol}:1m`, value: JSON.stringify(b) })),
  });
  await sink.start();

  await until('all 4 records committed', async () => ((await committedSum(group, [topic])) === 4 ? true : undefined));
  assert.deepEqual(await hash('kline:binance:GOODUSDT:1m'), { latest: good[1], closed: good[0] });
  const letters = await until('the refused records in dead-letter', () => {
    const ours = tail.letters.filter((l) => l.source_topic === topic);
    return ours.length >= 2 ? ours : undefined;
  });
  assert.deepEqual(
    letters.map((l) => [l.reason, l.service, l.exchange]),
    [
      ['redis_rejected', 'redis-writer', 'binance'],
      ['redis_rejected', 'redis-writer', 'binance'],
    ],
  );
  assert.deepEqual(letters.map((l) => l.raw).sort(), wrong.map((b) => JSON.stringify(b)).sort());
  assert.match(letters[0]!.detail, /WRONGTYPE/, "Redis's own error text");
  assert.equal(await direct.get(`${PREFIX}kline:binance:WRONGUSDT:1m`), 'not a hash', 'the refused key is left alone');
  assert.equal(health.get('sink:redis')?.status, 'up', 'never paused as an outage');
  const errors = (await registry.getSingleMetric('klineflow_sink_errors_total')!.get()).values.reduce((n, v) => n + v.value, 0);
  assert.equal(errors, 0, 'no failed write, no retry');
});
