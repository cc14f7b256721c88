import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolveExchange } from '@klineflow/config';
import { benchConfig, benchSymbols, BENCH_DATABASE, BENCH_KEY_PREFIX, isBenchSymbolAt } from './config.js';
import { parseOptions, UsageError } from './options.js';
import { lagOf, rateBetween, sumSeries } from './probes/lag.js';
import { busyShare, findServerPids } from './probes/procstats.js';

const base = readFileSync(new URL('../../../config/local-sim.toml', import.meta.url), 'utf8');

test('the bench config: N synthetic symbols everywhere, its own Redis prefix and database, connections enough for every stream', () => {
  const bench = benchConfig(base, { symbols: 1200, speed: 1, channels: ['kline', 'ticker'] });
  assert.equal(bench.symbols.length, 1200);
  assert.equal(bench.symbols[0], 'LB0001USDT');
  assert.equal(new Set(bench.symbols).size, 1200);
  const { config } = bench;
  assert.equal(config.storage.redis.key_prefix, BENCH_KEY_PREFIX);
  assert.equal(config.storage.clickhouse.database, BENCH_DATABASE);
  assert.equal(config.simulator.speed, 1);
  assert.equal(config.integrity.inferred_close_grace_ms, 3000);
  for (const exchange of ['binance', 'okx', 'huobi'] as const) {
    const resolved = resolveExchange(config, exchange)!;
    assert.equal(resolved.symbols.length, 1200);
    assert.deepEqual(resolved.channels, ['kline', 'ticker']);
    assert.equal(bench.plans[exchange].streams, 1200 * 7);
    assert.ok(resolved.maxConnections >= bench.plans[exchange].connections);
  }
  // HTX carries 100 streams a connection: 8,400 streams in groups of 7 need more than the default 50.
  assert.ok(bench.plans.huobi.connections > 84);
  assert.equal(config.websocket.huobi!.max_connections, bench.plans.huobi.connections);
  assert.match(bench.toml, /never committed/);
});

test('a faster simulator clock scales the graces measured on the exchange clock', () => {
  const { config } = benchConfig(base, { symbols: 2, speed: 60, channels: ['kline'] });
  assert.equal(config.simulator.speed, 60);
  assert.equal(config.integrity.inferred_close_grace_ms, 180_000);
  assert.equal(config.integrity.open_bar_gap_grace_ms, 600_000);
});

test('bench symbols are wide enough for the count, and recognised in keys and channels', () => {
  assert.equal(benchSymbols(12_000)[11_999], 'LB12000USDT');
  assert.ok(isBenchSymbolAt('binance:LB0001USDT:1m', 8));
  assert.ok(isBenchSymbolAt('klineflow-bench-load:ticker:okx:LB0020USDT', 'klineflow-bench-load:ticker:okx:'.length));
  assert.ok(!isBenchSymbolAt('binance:LBTCUSDT:1m', 8));
  assert.ok(!isBenchSymbolAt('binance:BTCUSDT:1m', 8));
});

test('options: defaults, values and refusals', () => {
  const d = parseOptions([]);
  assert.deepEqual(
    [d.symbols, d.minutes, d.speed, d.channels, d.out, d.record, d.simNice],
    [1200, 10, 1, ['kline', 'ticker'], 'dist/bench', true, 10],
  );
  const o = parseOptions([
    '--symbols',
    '20',
    '--minutes',
    '0.5',
    '--speed',
    '60',
    '--channels',
    'kline',
    '--out',
    '/tmp/x',
    '--no-record',
    '--sim-nice',
    '0',
  ]);
  assert.deepEqual([o.symbols, o.minutes, o.speed, o.channels, o.out, o.record, o.simNice], [20, 0.5, 60, ['kline'], '/tmp/x', false, 0]);
  assert.throws(() => parseOptions(['--sim-nice', '20']), /--sim-nice must be an integer from 0 to 19/);
  assert.throws(() => parseOptions(['--symbols', '1.5']), UsageError);
  assert.throws(() => parseOptions(['--channels', 'kline,candles']), /candles/);
  assert.throws(() => parseOptions(['--bogus']), UsageError);
});

test('machine busy share from two /proc/stat cpu lines (idle and iowait are not busy)', () => {
  assert.equal(busyShare('cpu  100 0 100 700 100 0 0 0 0 0', 'cpu  150 0 150 750 150 0 0 0 0 0'), 0.5);
});

test('server lookup finds nothing that is not there, and never this process', () => {
  const pids = findServerPids();
  assert.ok(Object.values(pids).every((pid) => pid !== process.pid));
});

test('lag sums end minus committed per partition; no commit counts from the start', () => {
  const ends = new Map([
    [
      'raw.binance',
      new Map([
        [0, { high: 100, low: 10 }],
        [1, { high: 50, low: 0 }],
      ]),
    ],
  ]);
  assert.equal(
    lagOf(ends, [
      {
        topic: 'raw.binance',
        partitions: [
          { partition: 0, offset: '90' },
          { partition: 1, offset: '-1' },
        ],
      },
    ]),
    60,
  );
});

test('rates from end offsets, and series summed where every topic was sampled', () => {
  const a = [
    { t: 0, v: 100 },
    { t: 5000, v: 600 },
    { t: 10_000, v: 1100 },
  ];
  const b = [
    { t: 0, v: 0 },
    { t: 5000, v: 50 },
  ];
  assert.equal(rateBetween(a, 0, 10_000), 100);
  assert.deepEqual(sumSeries([a, b]), [
    { t: 0, v: 100 },
    { t: 5000, v: 650 },
  ]);
});
