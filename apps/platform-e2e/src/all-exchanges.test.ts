// Issue 3 (Bybit since issue 10): every exchange at once, all the apps as processes on the real stack.
// The same symbol from each exchange must land as comparable StandardKline streams.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { EXCHANGE_IDS, INTERVALS } from '@klineflow/exchanges';
import { validateStandardTicker } from '@klineflow/schemas';
import { SimControl } from '@klineflow/sim-control';
import {
  removeRunData,
  Platform,
  REDIS_URL,
  resetKafka,
  SYMBOLS_50,
  simulatorConfig,
  waitFor,
  closedBarsInClickhouse,
  SIM_CONTROL_URL,
} from './harness.js';
import { assertClosedBarsInClickhouse, assertVolumesAreBaseAndQuote, latestKlines } from './verify.js';

const RUN = `e2e_all_${Date.now()}`;
const PREFIX = `${RUN}:`;
const SYMBOLS = SYMBOLS_50.slice(0, 20);
const EXCHANGES = EXCHANGE_IDS;
/** Exchanges whose klines carry no trade count (README). */
const NO_TRADE_COUNT: readonly string[] = ['okx', 'bybit'];
const sim = new SimControl(SIM_CONTROL_URL);

const configPath = simulatorConfig({
  run: RUN,
  exchanges: {
    ...Object.fromEntries(EXCHANGES.map((exchange) => [exchange, { symbols: SYMBOLS }])),
    // native spellings on purpose: they resolve to the canonical symbol
    okx: { symbols: SYMBOLS.map((s) => `${s.slice(0, -4)}-USDT`) },
    huobi: { symbols: SYMBOLS.map((s) => s.toLowerCase()) },
  },
});

const platform = new Platform(configPath);
const redis = new Redis(REDIS_URL);

before(async () => {
  await resetKafka();
  platform.start(['exchange-sim', 'clickhouse-sink', 'redis-writer', 'normalizer', ...EXCHANGES.map((e) => `ingest-${e}` as const)]);
});

after(async () => {
  await platform.stop();
  await removeRunData(RUN, redis);
  redis.disconnect();
});

test('every exchange, 20 symbols × 6 intervals each plus ticker, depth and trades, land complete and comparable', async () => {
  // Several 1m bars per stream on every exchange (HTX bars close only by inference).
  await waitFor(
    'five closed 1m bars per symbol on every exchange',
    120_000,
    async () => {
      for (const exchange of EXCHANGES) {
        const rows = await closedBarsInClickhouse(RUN, exchange).catch(() => []);
        const perSymbol = new Map<string, number>();
        for (const r of rows) if (r.interval === '1m') perSymbol.set(r.symbol, (perSymbol.get(r.symbol) ?? 0) + 1);
        if (perSymbol.size < SYMBOLS.length || [...perSymbol.values()].some((n) => n < 5)) return undefined;
      }
      return true;
    },
    1000,
  );

  for (const exchange of EXCHANGES) {
    const checked = await assertClosedBarsInClickhouse(sim, RUN, exchange);
    assert.ok(checked >= SYMBOLS.length * 5, `${exchange}: ${checked} closed bars checked`);
  }

  // HTX sends no closed flag: its bars are closed by inference and must be marked so everywhere.
  const huobi = await latestKlines(redis, PREFIX, 'huobi', SYMBOLS, ['1m']);
  assert.ok(
    huobi.every((k) => k.closed?.is_closed === true),
    'every HTX 1m stream has an inferred closed bar in Redis',
  );

  // The same symbol from every exchange: one key each, same symbol and interval, same meaning of volumes.
  for (const exchange of EXCHANGES) {
    const streams = await latestKlines(redis, PREFIX, exchange, SYMBOLS, INTERVALS);
    assert.equal(streams.length, SYMBOLS.length * INTERVALS.length);
    const btc = streams[0]!;
    assert.equal(btc.latest.symbol, 'BTCUSDT');
    assert.equal(btc.latest.interval, '1m');
    assert.equal(btc.latest.close_time, btc.latest.open_time + 59_999);
    for (const { latest, closed } of streams) {
      assertVolumesAreBaseAndQuote(latest);
      if (closed) assertVolumesAreBaseAndQuote(closed);
    }
    assert.equal(
      btc.latest.trade_count === null,
      NO_TRADE_COUNT.includes(exchange),
      `${exchange}: trade_count is null only on OKX and Bybit`,
    );

    const tickers = await Promise.all(SYMBOLS.map((s) => redis.hget(`${PREFIX}ticker:${exchange}:${s}`, 'latest')));
    for (const [i, ticker] of tickers.entries()) {
      const parsed = JSON.parse(ticker ?? 'null') as unknown;
      assert.ok(validateStandardTicker(parsed), `${exchange} ${SYMBOLS[i]} ticker in Redis: ${ticker}`);
      assert.equal(parsed.symbol, SYMBOLS[i]);
    }
    const depth = await redis.hget(`${PREFIX}depth:${exchange}:BTCUSDT`, 'latest');
    assert.ok(depth && (JSON.parse(depth) as { bids: unknown[] }).bids.length > 0, `${exchange} BTCUSDT depth in Redis`);
  }
  assert.deepEqual(platform.crashed(), [], `no service died:\n${platform.tail()}`);
});
