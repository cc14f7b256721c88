// Issue 2's vertical slice, across real process boundaries: exchange-sim (Binance protocol)
// → ingest-binance → Kafka raw.binance → normalizer → kline-data → redis-writer / clickhouse-sink,
// read back with ioredis, the ClickHouse HTTP interface and a Kafka consumer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { INTERVALS } from '@klineflow/exchanges';
import { validateDeadLetter, validateStandardKline } from '@klineflow/schemas';
import { TOPICS } from '@klineflow/kafka';
import { SimControl } from '@klineflow/sim-control';
import {
  closedBarsInClickhouse,
  removeRunData,
  Platform,
  readTopic,
  REDIS_URL,
  resetKafka,
  SYMBOLS_50,
  simulatorConfig,
  waitFor,
  SIM_CONTROL_URL,
} from './harness.js';
import { assertClosedBarsInClickhouse, latestKlines } from './verify.js';

const RUN = `e2e_binance_${Date.now()}`;
const PREFIX = `${RUN}:`;
const sim = new SimControl(SIM_CONTROL_URL);

const configPath = simulatorConfig({ run: RUN, exchanges: { binance: { symbols: SYMBOLS_50 } } });

const platform = new Platform(configPath);
const redis = new Redis(REDIS_URL);

before(async () => {
  await resetKafka();
  platform.start(['exchange-sim', 'clickhouse-sink', 'redis-writer', 'normalizer', 'ingest-binance']);
});

after(async () => {
  await platform.stop();
  await removeRunData(RUN, redis);
  redis.disconnect();
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
  const deadLetters = await readTopic(TOPICS.deadLetter, (records) => records.some((r) => r.value.includes('raw.binance')));
  const dead = deadLetters.map((r) => JSON.parse(r.value) as Record<string, unknown>).find((d) => d.source_topic === 'raw.binance');
  assert.ok(dead && validateDeadLetter(dead), 'dead-letter record is well-formed');
  assert.equal(dead.exchange, 'binance');
  assert.ok(String(dead.reason).length > 0 && String(dead.detail).length > 0, 'dead-letter names a reason');

  // Let bars close after the injection too, then compare the simulator's closed bars with ClickHouse.
  await waitFor('bars closing after the malformed frame', 30_000, async () => {
    const bars = await sim.closedBars('binance');
    return bars.filter((b) => b.interval === '1m' && b.open_time > injectedAt).length >= SYMBOLS_50.length * 5 ? true : undefined;
  });
  const checked = await assertClosedBarsInClickhouse(sim, RUN, 'binance');
  assert.ok(checked >= streams, `the simulator closed at least one bar per stream (${checked})`);

  // Redis holds the latest bar of every stream, and the last closed one.
  const klines = await latestKlines(redis, PREFIX, 'binance', SYMBOLS_50, INTERVALS);
  assert.equal(klines.length, streams);
  assert.ok(
    klines.filter((k) => k.latest.interval === '1m').every((k) => k.closed),
    'every 1m stream has a closed bar in Redis',
  );

  // kline-data holds well-formed StandardKline records keyed exchange:symbol:interval.
  const records = await readTopic(TOPICS.klines, (all) => all.length >= checked);
  const invalid = records.filter(({ key, value }) => {
    const kline = JSON.parse(value) as unknown;
    return !validateStandardKline(kline) || key !== `${kline.exchange}:${kline.symbol}:${kline.interval}`;
  });
  assert.deepEqual(invalid.slice(0, 3), [], 'every kline-data record validates and is keyed <exchange>:<symbol>:<interval>');

  assert.deepEqual(platform.crashed(), [], `no service died:\n${platform.tail()}`);
});
