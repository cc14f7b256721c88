// Issue 2's vertical slice, across real process boundaries: exchange-sim (Binance protocol)
// → ingest-binance → Kafka raw.binance → normalizer → kline-data → redis-writer / clickhouse-sink,
// read back with ioredis, the ClickHouse HTTP interface and a Kafka consumer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { INTERVALS } from '@klineflow/exchanges';
import { validateDeadLetter, validateStandardKline, type StandardKline } from '@klineflow/schemas';
import { TOPICS } from '@klineflow/kafka';
import { SimControl } from '../../exchange-sim/src/control-client.js';
import {
  closedBarsInClickhouse, dropDatabase, Platform, readTopic, REDIS_URL, resetKafka, sameDecimal, SYMBOLS_50, waitFor, writeConfig,
} from './harness.js';

const RUN = `e2e_binance_${Date.now()}`;
const PREFIX = `${RUN}:`;
const CONTROL_PORT = 18090;
const sim = new SimControl(`http://127.0.0.1:${CONTROL_PORT}`);

const configPath = writeConfig(`
[simulator]
enabled = true
speed = 60
update_interval_ms = 1000

[websocket.binance]
url = "ws://127.0.0.1:18080"
api_url = "ws://127.0.0.1:18083/ws-api/v3"
symbols = ${JSON.stringify(SYMBOLS_50)}
intervals = ${JSON.stringify(INTERVALS)}

[storage.redis]
key_prefix = "${PREFIX}"

[storage.clickhouse]
database = "${RUN}"
`);

const platform = new Platform(configPath);
const redis = new Redis(REDIS_URL);

before(async () => {
  await resetKafka();
  platform.start(['exchange-sim', 'clickhouse-sink', 'redis-writer', 'normalizer', 'ingest-binance']);
});

after(async () => {
  await platform.stop();
  redis.disconnect();
  await dropDatabase(RUN);
  const keys = await new Redis(REDIS_URL).keys(`${PREFIX}*`);
  if (keys.length > 0) await new Redis(REDIS_URL).del(...keys);
});

test('50 symbols × 6 intervals flow from the simulator into ClickHouse, Redis and kline-data, exactly and completely', async () => {
  const streams = SYMBOLS_50.length * INTERVALS.length;
  // Wait until every kline stream has delivered a closed 1m bar to ClickHouse: the pipeline is live end to end.
  await waitFor('closed 1m bars of every symbol in ClickHouse', 90_000, async () => {
    const rows = await closedBarsInClickhouse(RUN, 'binance').catch(() => []);
    const symbols = new Set(rows.filter((r) => r.interval === '1m').map((r) => r.symbol));
    return symbols.size === SYMBOLS_50.length ? true : undefined;
  });

  // A malformed frame goes to dead-letter; everything else keeps flowing.
  const injectedAt = (await sim.state()).virtualNow;
  await sim.malformed('binance');
  const deadLetters = await readTopic(TOPICS.deadLetter, (values) => values.some((v) => v.includes('raw.binance')));
  const dead = deadLetters.map((v) => JSON.parse(v) as Record<string, unknown>).find((d) => d.source_topic === 'raw.binance');
  assert.ok(dead && validateDeadLetter(dead), 'dead-letter record is well-formed');
  assert.equal(dead.exchange, 'binance');
  assert.ok(String(dead.reason).length > 0 && String(dead.detail).length > 0, 'dead-letter names a reason');

  // Let bars close after the injection too, then compare the simulator's closed bars with ClickHouse.
  await waitFor('bars closing after the malformed frame', 30_000, async () => {
    const bars = await sim.closedBars('binance');
    return bars.filter((b) => b.interval === '1m' && b.open_time > injectedAt).length >= SYMBOLS_50.length * 5 ? true : undefined;
  });
  const expected = await sim.closedBars('binance');
  assert.ok(expected.length >= streams, `the simulator closed at least one bar per stream (${expected.length})`);

  const keyOf = (b: { symbol: string; interval: string; open_time: number | string }) => `${b.symbol}|${b.interval}|${b.open_time}`;
  const stored = await waitFor('every simulator bar in ClickHouse', 60_000, async () => {
    const rows = await closedBarsInClickhouse(RUN, 'binance');
    const present = new Set(rows.map(keyOf));
    return expected.every((b) => present.has(keyOf(b))) ? rows : undefined;
  });

  const byKey = new Map<string, typeof stored>();
  for (const row of stored) byKey.set(keyOf(row), [...(byKey.get(keyOf(row)) ?? []), row]);
  for (const bar of expected) {
    const rows = byKey.get(keyOf(bar))!;
    assert.equal(rows.length, 1, `${keyOf(bar)} is in ClickHouse exactly once after FINAL`);
    const row = rows[0]!;
    for (const field of ['open', 'high', 'low', 'close', 'volume', 'quote_volume'] as const) {
      assert.ok(sameDecimal(row[field], bar[field]), `${keyOf(bar)} ${field}: ClickHouse ${row[field]} vs exchange ${bar[field]}`);
    }
    assert.equal(row.trade_count, String(bar.trade_count));
  }
  // Bars closed after the snapshot may already be stored; anything older must be one the exchange closed.
  const expectedKeys = new Set(expected.map(keyOf));
  const lastExpectedPerStream = new Map<string, number>();
  for (const b of expected) {
    const stream = `${b.symbol}|${b.interval}`;
    lastExpectedPerStream.set(stream, Math.max(lastExpectedPerStream.get(stream) ?? 0, Number(b.open_time)));
  }
  const unexpected = stored.filter(
    (r) => Number(r.open_time) <= (lastExpectedPerStream.get(`${r.symbol}|${r.interval}`) ?? Infinity) && !expectedKeys.has(keyOf(r)),
  );
  assert.deepEqual(unexpected, [], 'ClickHouse holds no closed bar the exchange never closed');

  // Redis holds the latest bar of every stream, and the last closed one.
  const pipeline = redis.pipeline();
  for (const symbol of SYMBOLS_50) for (const interval of INTERVALS) pipeline.hgetall(`${PREFIX}kline:binance:${symbol}:${interval}`);
  const hashes = (await pipeline.exec())!.map(([, v]) => v as Record<string, string>);
  assert.equal(hashes.length, streams);
  for (const hash of hashes) {
    const latest = JSON.parse(hash.latest ?? 'null') as StandardKline;
    assert.ok(validateStandardKline(latest), `latest is a StandardKline: ${hash.latest}`);
    assert.equal(latest.exchange, 'binance');
  }
  const closed1m = hashes.filter((h) => h.closed).map((h) => JSON.parse(h.closed!) as StandardKline);
  assert.ok(closed1m.length >= SYMBOLS_50.length, 'every 1m stream has a closed bar in Redis');
  assert.ok(closed1m.every((k) => k.is_closed));

  // kline-data holds well-formed StandardKline records keyed exchange:symbol:interval.
  const records = await readTopic(TOPICS.klines, (values) => values.length >= expected.length);
  const parsed = records.map((v) => JSON.parse(v) as unknown);
  const invalid = parsed.filter((r) => !validateStandardKline(r));
  assert.deepEqual(invalid.slice(0, 3), [], 'every kline-data record validates');

  assert.deepEqual(platform.crashed(), [], `no service died:\n${platform.tail()}`);
});
