// clickhouse-sink on the real stack: Kafka → BatchingSinkConsumer → ClickHouse 18.16 over a
// cuttable proxy. Exact decimals, exactly once after FINAL under replay, size/time flushes,
// and no commit while ClickHouse is unreachable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Kafka, logLevel, tailDeadLetters } from '@klineflow/kafka';
import { Registry } from 'prom-client';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import type { StandardKline } from '@klineflow/schemas';
import { BatchingSinkConsumer, DeadLetterPublisher, type SinkRecord } from '@klineflow/sink-runtime';
import { TcpProxy } from '@klineflow/test-support';
import { ensureSchema } from './ddl.js';
import { insertKlines, prepareBatch, writeKlines } from './kline-writer.js';

const RUN = Date.now();
const DATABASE = `test_sink_${RUN}`;
const BROKER = '127.0.0.1:9092';
const kafka = new Kafka({ clientId: 'clickhouse-sink-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer();
const direct = createClient({ url: 'http://127.0.0.1:8123' });
const proxy = new TcpProxy(8123);
const running: BatchingSinkConsumer[] = [];

const bar = (i: number, over: Partial<StandardKline> = {}): StandardKline => ({
  exchange: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  open_time: 1_700_000_040_000 + i * 60_000,
  close_time: 1_700_000_099_999 + i * 60_000,
  open: '37000.10000000',
  high: '37010.00',
  low: '36990.5',
  close: '37001.23456789',
  volume: '12.345678901234567890',
  quote_volume: '456789.123456789012345678',
  trade_count: 100 + i,
  is_closed: true,
  event_time: 1_700_000_100_000 + i * 60_000,
  recv_time: 1_700_000_100_005 + i * 60_000,
  ...over,
});

async function newTopic(name: string): Promise<string> {
  const topic = `test-${name}-${RUN}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  return topic;
}

async function produce(topic: string, klines: StandardKline[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: klines.map((k) => ({ key: `${k.exchange}:${k.symbol}:${k.interval}`, value: JSON.stringify(k) })),
  });
}

function startSink(
  topic: string,
  group: string,
  options: { maxBatch: number; maxDelayMs: number },
  write?: (records: readonly SinkRecord[]) => Promise<void>,
) {
  const registry = new Registry();
  const health = new HealthRegistry();
  const client = createClient({ url: `http://${proxy.url}`, request_timeout: 2_000 });
  const sink = new BatchingSinkConsumer({
    kafka,
    brokers: [BROKER],
    registry,
    health,
    logger: createLogger('clickhouse-sink-test', 'error'),
    sink: 'clickhouse',
    groupId: group,
    topics: [topic],
    ...options,
    retry: { initialMs: 50, maxMs: 300 },
    onFatal: (reason, error) => assert.fail(`${reason}: ${String(error)}`),
    write: write ?? (async (records) => insertKlines(client, DATABASE, prepareBatch(records).tsv)),
  });
  running.push(sink);
  return { sink, registry, health };
}

/** 18.16 prints a Decimal with all 18 places, current releases without trailing zeros: compare values, not padding. */
const withoutPadding = (text: string): string => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);

async function stored(symbol: string): Promise<Array<Record<string, string>>> {
  const result = await direct.query({
    query: `SELECT toString(open_time) AS open_time, toString(open) AS open, toString(close) AS close, toString(volume) AS volume,
              toString(quote_volume) AS quote_volume, toString(trade_count) AS trade_count, toString(is_closed) AS is_closed
            FROM ${DATABASE}.klines FINAL WHERE symbol = '${symbol}' ORDER BY open_time`,
    format: 'JSONEachRow',
  });
  const rows = (await result.json()) as Array<Record<string, string>>;
  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, text]) => [column, withoutPadding(text)])));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function count(final: 'FINAL' | ''): Promise<number> {
  const result = await direct.query({ query: `SELECT count() AS n FROM ${DATABASE}.klines ${final}`, format: 'JSONEachRow' });
  return Number(((await result.json()) as Array<{ n: string }>)[0]!.n);
}

async function committedSum(groupId: string, topic: string): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

before(async () => {
  await Promise.all([admin.connect(), producer.connect(), proxy.open()]);
  await ensureSchema(direct, DATABASE);
});

after(async () => {
  for (const sink of running) await sink.stop();
  await direct.command({ query: `DROP DATABASE IF EXISTS ${DATABASE}` });
  const ours = (await admin.listTopics()).filter((t) => t.endsWith(`-${RUN}`));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  await Promise.all([admin.disconnect(), producer.disconnect(), direct.close(), proxy.cut()]);
});

test('decimals round-trip exactly and every bar is stored once after FINAL, even when replayed', async () => {
  const topic = await newTopic('exact');
  const klines = [
    bar(0),
    bar(1, {
      symbol: 'TRIOETH',
      open: '9.2E-7',
      high: '9.3E-7',
      low: '9.1E-7',
      close: '9.2E-7',
      volume: '188358.0',
      quote_volume: '0.173289',
    }),
    bar(2, { symbol: 'BTCUSDT', open: '10050.00', high: '10058.00', low: '10050.00', close: '10058.00', volume: '0.000000000000000001' }),
  ];
  const open = bar(0, { is_closed: false, event_time: bar(0).event_time - 1000, close: '1.0' });
  await produce(topic, [open, ...klines]);
  await produce(topic, klines); // replay, as after a crash before the commit
  startSink(topic, `g-exact-${RUN}`, { maxBatch: 1000, maxDelayMs: 200 }).sink.start();

  const btc = await until('BTCUSDT bars', async () => ((await stored('BTCUSDT')).length === 2 ? stored('BTCUSDT') : undefined));
  assert.deepEqual(
    btc.map((r) => [r.open, r.close, r.volume, r.quote_volume, r.is_closed]),
    [
      ['37000.1', '37001.23456789', '12.34567890123456789', '456789.123456789012345678', '1'],
      ['10050', '10058', '0.000000000000000001', '456789.123456789012345678', '1'],
    ],
  );
  const trio = await until('TRIOETH bar', async () => ((await stored('TRIOETH')).length === 1 ? stored('TRIOETH') : undefined));
  assert.deepEqual([trio[0]!.open, trio[0]!.volume], ['0.00000092', '188358']);
  assert.equal(await count('FINAL'), 3, 'three bars, each once, after FINAL');

  // A second consumer group replays the whole topic as separate inserts, as after a crash before the commit.
  const replayGroup = `g-exact-replay-${RUN}`;
  startSink(topic, replayGroup, { maxBatch: 1000, maxDelayMs: 200 }).sink.start();
  await until('the replay to be committed', async () => ((await committedSum(replayGroup, topic)) === 7 ? true : undefined));
  assert.ok((await count('')) >= 6, 'the replay really inserted the bars a second time');
  assert.equal(await count('FINAL'), 3, 'still three bars after FINAL');
});

test('a full batch flushes at once; a partial one after the flush interval', async () => {
  const bySize = await newTopic('size');
  startSink(bySize, `g-size-${RUN}`, { maxBatch: 5, maxDelayMs: 60_000 }).sink.start();
  await produce(
    bySize,
    [0, 1, 2, 3, 4].map((i) => bar(i, { symbol: 'SIZEUSDT' })),
  );
  await until('size-triggered flush', async () => ((await stored('SIZEUSDT')).length === 5 ? true : undefined), 15_000);

  const byTime = await newTopic('time');
  startSink(byTime, `g-time-${RUN}`, { maxBatch: 1000, maxDelayMs: 300 }).sink.start();
  await produce(byTime, [bar(0, { symbol: 'TIMEUSDT' })]);
  await until('time-triggered flush', async () => ((await stored('TIMEUSDT')).length === 1 ? true : undefined), 15_000);
});

test('while ClickHouse is unreachable nothing is committed; when it returns everything is written', async () => {
  const topic = await newTopic('outage');
  const group = `g-outage-${RUN}`;
  const { sink, health } = startSink(topic, group, { maxBatch: 1000, maxDelayMs: 100 });
  await sink.start();
  await proxy.cut();
  await produce(
    topic,
    [0, 1, 2, 3].map((i) => bar(i, { symbol: 'OUTAGEUSDT' })),
  );
  await until('the sink to notice the outage', async () => (health.get('sink:clickhouse')?.status === 'down' ? true : undefined));
  const committed = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  assert.ok(
    committed[0]!.partitions.every((p) => p.offset === '-1'),
    `no offset committed during the outage: ${JSON.stringify(committed)}`,
  );

  await proxy.open();
  await until('rows after recovery', async () => ((await stored('OUTAGEUSDT')).length === 4 ? true : undefined));
  await until('offsets committed after recovery', async () => ((await committedSum(group, topic)) === 4 ? true : undefined));
  assert.equal(health.get('sink:clickhouse')?.status, 'up');
});

test('stop (SIGTERM) writes the buffered partial batch and commits it before leaving the group', async () => {
  const topic = await newTopic('shutdown');
  const group = `g-shutdown-${RUN}`;
  const { sink, registry } = startSink(topic, group, { maxBatch: 1000, maxDelayMs: 60_000 });
  await sink.start();
  await produce(
    topic,
    [0, 1, 2].map((i) => bar(i, { symbol: 'STOPUSDT' })),
  );
  const consumed = async () => (await registry.getSingleMetric('klineflow_consumed_total')!.get()).values.reduce((n, v) => n + v.value, 0);
  await until('the records to be buffered', async () => ((await consumed()) === 3 ? true : undefined));
  assert.equal((await stored('STOPUSDT')).length, 0, 'nothing written before the flush interval');

  await sink.stop();
  assert.equal((await stored('STOPUSDT')).length, 3);
  assert.equal(await committedSum(group, topic), 3);
});

test('the table survives a server restart: the metadata ClickHouse stored for it parses again', async () => {
  // DETACH/ATTACH re-reads the stored .sql exactly as a restart does; 18.16 cannot re-read a key naming `interval`.
  await direct.command({ query: `DETACH TABLE ${DATABASE}.klines` });
  await direct.command({ query: `ATTACH TABLE ${DATABASE}.klines` });
  const result = await direct.query({ query: `SELECT count() AS n FROM ${DATABASE}.klines`, format: 'JSONEachRow' });
  assert.equal(((await result.json()) as Array<{ n: string }>).length, 1);
});

test('records ClickHouse refuses are dead-lettered with its error; the rest of the batch is stored and committed, with no pause', async () => {
  const topic = await newTopic('refused');
  const group = `g-refused-${RUN}`;
  const symbol = 'REFUSEDUSDT';
  // Valid for the sink's schema (an integer is an integer) but printed as 1e+23 in TSV, which ClickHouse cannot parse.
  const corrupt = 100_000_000_000_000_000_000_000;
  const valid = [0, 1, 2, 3, 4, 5].map((i) => bar(i, { symbol }));
  const refused = [
    bar(6, { symbol, event_time: corrupt }),
    // The newest version of bar 2 by far, so it wins the batch's coalescing: bar 2's valid version must still be stored.
    bar(2, { symbol, event_time: corrupt, close: '1' }),
    bar(7, { symbol, trade_count: corrupt }),
  ];
  const tail = await tailDeadLetters(kafka);
  const publisher = new DeadLetterPublisher(kafka, 'clickhouse-sink');
  await publisher.connect();
  const client = createClient({ url: `http://${proxy.url}`, request_timeout: 5_000, log: { level: ClickHouseLogLevel.OFF } });
  let writes = 0;
  const { sink, registry, health } = startSink(topic, group, { maxBatch: 1000, maxDelayMs: 300 }, async (records) => {
    writes++;
    const result = await writeKlines(client, DATABASE, records);
    await publisher.publish(result.rejected);
  });
  try {
    await produce(topic, [...valid.slice(0, 3), ...refused, ...valid.slice(3)]);
    await sink.start();
    await until('every offset committed', async () =>
      (await committedSum(group, topic)) === valid.length + refused.length ? true : undefined,
    );
    assert.deepEqual(
      (await stored(symbol)).map((r) => [Number(r.open_time), r.close]),
      valid.map((k) => [k.open_time, withoutPadding(k.close)]),
      'every valid bar stored, exact',
    );
    const letters = await until('three dead letters', async () =>
      tail.letters.filter((l) => l.raw.includes(symbol)).length >= 3 ? tail.letters.filter((l) => l.raw.includes(symbol)) : undefined,
    );
    assert.deepEqual(
      letters.map((l) => [l.reason, l.service, l.source_topic]),
      refused.map(() => ['clickhouse_rejected', 'clickhouse-sink', topic]),
    );
    assert.deepEqual(
      letters.map((l) => l.raw).sort(),
      refused.map((k) => JSON.stringify(k)).sort(),
      'the refused records exactly as consumed',
    );
    for (const letter of letters) assert.match(letter.detail, /Code: 27.*Cannot parse input/s, "ClickHouse's own error text");
    assert.equal(health.get('sink:clickhouse')?.status, 'up', 'never paused as an outage');
    const errors = (await registry.getSingleMetric('klineflow_sink_errors_total')!.get()).values.reduce((n, v) => n + v.value, 0);
    assert.equal(errors, 0, 'no failed write, no retry');
    assert.ok(writes >= 1);
  } finally {
    await tail.stop();
    await publisher.disconnect();
    await client.close();
  }
});
