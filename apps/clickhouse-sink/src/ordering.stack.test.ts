// Update order in ClickHouse (issue 10, item 9). Two updates of one OKX bar received in the same
// millisecond share event_time and so the row `version` (rows.ts). The sink relies on two properties to
// keep the later one, both proven here on the real ClickHouse 18.16: within a batch, newestPerBar keeps
// the later record of a tie (records of a stream come in partition order); across inserts,
// ReplacingMergeTree keeps the last inserted row among equal versions, under FINAL and after a merge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@clickhouse/client';
import { arrivalOrder, Kafka, logLevel, ORDER_HEADER } from '@klineflow/kafka';
import { Registry } from 'prom-client';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import type { StandardKline } from '@klineflow/schemas';
import { BatchingSinkConsumer, type SinkRecord } from '@klineflow/sink-runtime';
// Two updates of one OKX bar received in the same millisecond.
import { firstOkxUpdate as first, secondOkxUpdate as second } from '@klineflow/test-support';
import { ensureSchema } from './ddl.js';
import { writeKlines } from './kline-writer.js';
import { rowVersion } from './rows.js';

const RUN = Date.now();
const DATABASE = `test_order_${RUN}`;
const BROKER = '127.0.0.1:9092';
const kafka = new Kafka({ clientId: 'clickhouse-sink-order-test', brokers: [BROKER], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer();
const direct = createClient({ url: 'http://127.0.0.1:8123' });

let offset = 0;
const record = (kline: StandardKline): SinkRecord => ({
  topic: 'kline-data',
  partition: 0,
  offset: String(offset++),
  key: `okx:${kline.symbol}:1m`,
  value: JSON.stringify(kline),
  order: arrivalOrder(String(offset), 0),
});

/** 18.16 prints a Decimal with all 18 places. */
const plain = (text: string): string => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);

async function finalRow(symbol: string): Promise<{ close: string; volume: string; rows: number }> {
  const result = await direct.query({
    query: `SELECT toString(close) AS close, toString(volume) AS volume FROM ${DATABASE}.klines FINAL WHERE symbol = '${symbol}'`,
    format: 'JSONEachRow',
  });
  const rows = (await result.json()) as Array<{ close: string; volume: string }>;
  assert.equal(rows.length, 1, `one ${symbol} bar after FINAL`);
  return { close: plain(rows[0]!.close), volume: plain(rows[0]!.volume), rows: rows.length };
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

before(async () => {
  await Promise.all([admin.connect(), producer.connect()]);
  await ensureSchema(direct, DATABASE);
});

after(async () => {
  await direct.command({ query: `DROP DATABASE IF EXISTS ${DATABASE}` });
  const ours = (await admin.listTopics()).filter((t) => t.endsWith(`-${RUN}`));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  await Promise.all([admin.disconnect(), producer.disconnect(), direct.close()]);
});

test('the two updates share a version: the tie is real', () => {
  assert.equal(rowVersion(first('X')), rowVersion(second('X')));
});

test('separate inserts: ClickHouse keeps the last inserted of equal versions, under FINAL and after a merge', async () => {
  await writeKlines(direct, DATABASE, [record(first('BTCUSDT'))]);
  await writeKlines(direct, DATABASE, [record(second('BTCUSDT'))]);
  assert.deepEqual(await finalRow('BTCUSDT'), { close: '64038.2', volume: '2.25101046', rows: 1 });
  await direct.command({ query: `OPTIMIZE TABLE ${DATABASE}.klines FINAL` });
  const merged = await direct.query({
    query: `SELECT toString(close) AS close FROM ${DATABASE}.klines WHERE symbol = 'BTCUSDT'`,
    format: 'JSONEachRow',
  });
  assert.deepEqual(
    ((await merged.json()) as Array<{ close: string }>).map((r) => plain(r.close)),
    ['64038.2'],
    'the merge kept the later row',
  );
});

test('one batch: the later record of a tie is the row inserted', async () => {
  await writeKlines(direct, DATABASE, [record(first('ETHUSDT')), record(second('ETHUSDT'))]);
  assert.deepEqual(await finalRow('ETHUSDT'), { close: '64038.2', volume: '2.25101046', rows: 1 });
});

// maxBatch 1 with both records in one fetch: the write step kicks for the rest before its first await,
// which used to start a second, overlapping write of the later record (SerialPump, libs/kafka).
test('through Kafka: the sink writes a partition in order, one write after the other', async () => {
  const topic = `test-ch-order-${RUN}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const group = `g-ch-order-${RUN}`;
  const sink = new BatchingSinkConsumer({
    kafka,
    brokers: [BROKER],
    registry: new Registry(),
    health: new HealthRegistry(),
    logger: createLogger('clickhouse-sink-order-test', 'error'),
    sink: 'clickhouse',
    groupId: group,
    topics: [topic],
    maxBatch: 1,
    maxDelayMs: 0,
    onFatal: (reason) => assert.fail(reason),
    write: async (records) => void (await writeKlines(direct, DATABASE, records)),
  });
  await sink.start();
  try {
    const message = (kline: StandardKline, rawOffset: number) => ({
      key: `okx:${kline.symbol}:1m`,
      value: JSON.stringify(kline),
      headers: { [ORDER_HEADER]: arrivalOrder(String(rawOffset), 0) },
    });
    await producer.send({ topic, acks: -1, messages: [message(first('SOLUSDT'), 1), message(second('SOLUSDT'), 2)] });
    await until(
      'both records committed',
      async () => {
        const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return offsets[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) === 2 ? true : undefined;
      },
      60_000,
    );
    assert.deepEqual(await finalRow('SOLUSDT'), { close: '64038.2', volume: '2.25101046', rows: 1 });
  } finally {
    await sink.stop();
  }
});
