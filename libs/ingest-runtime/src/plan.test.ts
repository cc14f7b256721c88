import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@klineflow/config';
import { assignShards, planConnections, planStreams, ownsSymbol, staleThresholdMs } from './plan.js';
import type { StreamSpec } from '@klineflow/exchange-modules';
import { exchangeConfig, manySymbols, planningProtocol } from './test-support.js';

const protocol = planningProtocol;

const symbolsLine = (n: number) => `symbols = ${JSON.stringify(manySymbols(n))}`;

test('1,200 Binance symbols × 6 intervals need at least 8 connections, none above 1024 streams', () => {
  const config = exchangeConfig('binance', [symbolsLine(1200), 'channels = ["kline"]']);
  const plans = planConnections(config, protocol('binance'), { shard_index: 0, shard_count: 1 });
  assert.ok(plans.length >= 8, `${plans.length} connections`);
  assert.ok(plans.every((p) => p.streams.length <= 1024));
  const keys = plans.flatMap((p) => p.streams.map((s) => s.key));
  assert.equal(keys.length, 7200);
  assert.equal(new Set(keys).size, 7200, 'every stream planned exactly once');
  assert.equal(new Set(plans.map((p) => p.id)).size, plans.length, 'connection ids are unique');
});

test("a symbol's streams share one connection and load is balanced across connections", () => {
  const config = exchangeConfig('binance', [symbolsLine(1200)]);
  const plans = planConnections(config, protocol('binance'), { shard_index: 0, shard_count: 1 });
  const connectionOf = new Map<string, Set<string>>();
  for (const plan of plans)
    for (const s of plan.streams) {
      const set = connectionOf.get(s.symbol.canonical) ?? new Set<string>();
      set.add(plan.id);
      connectionOf.set(s.symbol.canonical, set);
    }
  assert.ok([...connectionOf.values()].every((set) => set.size === 1));
  const sizes = plans.map((p) => p.streams.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 9, `balanced: ${sizes.join(',')}`);
});

test('shards split the symbols disjointly and completely, within one symbol of each other', () => {
  const config = exchangeConfig('binance', [symbolsLine(300), 'channels = ["kline"]', 'intervals = ["1m", "1h"]']);
  const symbols = config.symbols.map((s) => s.canonical);
  const shards = [0, 1, 2].map((i) =>
    planConnections(config, protocol('binance'), { shard_index: i, shard_count: 3 }).flatMap((p) => p.streams),
  );
  const all = shards
    .flat()
    .map((s) => s.key)
    .sort();
  assert.deepEqual(
    all,
    planStreams(config, protocol('binance'))
      .map((s) => s.key)
      .sort(),
  );
  for (const [i, streams] of shards.entries()) {
    assert.equal(streams.length, 200, `shard ${i}: 100 symbols × 2 intervals`);
    assert.ok(streams.every((s) => ownsSymbol(s.symbol.canonical, i, 3, symbols)));
  }
});

/** A deterministic pseudo-random generator, so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('for many symbol sets and shard counts 1..8, every symbol has exactly one owner and shards differ by at most one', () => {
  const next = random(11);
  const sets: string[][] = [
    ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'ADAUSDT', 'AVAXUSDT', 'TRXUSDT', 'LINKUSDT'],
    ['BTCUSDT'],
    manySymbols(1200),
  ];
  for (let i = 0; i < 200; i++) {
    const n = 1 + Math.floor(next() * 60);
    sets.push(
      Array.from(
        { length: n },
        () =>
          `${Math.floor(next() * 1e6)
            .toString(36)
            .toUpperCase()}USDT`,
      ),
    );
  }
  for (const symbols of sets) {
    const distinct = [...new Set(symbols)];
    for (let count = 1; count <= 8; count++) {
      const owner = assignShards(symbols, count);
      assert.deepEqual([...owner.keys()].sort(), distinct.sort(), 'every symbol has an owner');
      assert.ok(
        [...owner.values()].every((i) => Number.isInteger(i) && i >= 0 && i < count),
        'owners are shards 0..count-1',
      );
      const sizes = [...Array(count).keys()].map((i) => [...owner.values()].filter((o) => o === i).length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${count} shards of ${distinct.length} symbols: ${sizes.join('/')}`);
      if (distinct.length <= 60) {
        const owners = distinct.map((s) => [...Array(count).keys()].filter((i) => ownsSymbol(s, i, count, symbols)));
        assert.ok(
          owners.every((o) => o.length === 1),
          `${count} shards of ${distinct.length}: every symbol has exactly one owner`,
        );
      }
      // The same answer whatever order the config lists the symbols in: every pod agrees.
      assert.deepEqual(assignShards([...symbols].reverse(), count), assignShards(symbols, count));
    }
  }
});

test('the 10 default Binance symbols split 5/5 over 2 shards and 3/3/2/2 over 4 (hash-modulo gave 3/7 and 3/5/0/2)', () => {
  const config = exchangeConfig('binance', [
    'symbols = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT", "AVAXUSDT", "TRXUSDT", "LINKUSDT"]',
    'channels = ["kline"]',
    'intervals = ["1m"]',
  ]);
  const sizes = (count: number) =>
    [...Array(count).keys()].map((i) =>
      planConnections(config, protocol('binance'), { shard_index: i, shard_count: count }).reduce((sum, p) => sum + p.streams.length, 0),
    );
  assert.deepEqual(sizes(2), [5, 5]);
  assert.deepEqual(sizes(4), [3, 3, 2, 2]);
});

test('OKX candles go to the business endpoint and everything else to public', () => {
  const config = exchangeConfig('okx', ['symbols = ["BTC-USDT", "ETH-USDT"]']);
  const plans = planConnections(config, protocol('okx'), { shard_index: 0, shard_count: 1 });
  const business = plans.filter((p) => p.endpoint === 'apiUrl').flatMap((p) => p.streams);
  const publicStreams = plans.filter((p) => p.endpoint === 'url').flatMap((p) => p.streams);
  assert.equal(business.length, 12);
  assert.ok(business.every((s) => s.channel === 'kline'));
  assert.deepEqual([...new Set(publicStreams.map((s) => s.channel))].sort(), ['depth', 'ticker', 'trade']);
});

test('a plan beyond max_connections stops start-up naming the key; redundancy counts', () => {
  const config = exchangeConfig('binance', [symbolsLine(1200), 'channels = ["kline"]', 'max_connections = 7']);
  assert.throws(
    () => planConnections(config, protocol('binance'), { shard_index: 0, shard_count: 1 }),
    (error: unknown) => error instanceof ConfigError && error.message.startsWith('websocket.binance.max_connections'),
  );
  const doubled = exchangeConfig('binance', [symbolsLine(10), 'redundancy = 2', 'max_connections = 1']);
  assert.throws(() => planConnections(doubled, protocol('binance'), { shard_index: 0, shard_count: 1 }), /redundancy 2/);
});

test('streams_per_connection packs tighter than the exchange limit', () => {
  const config = exchangeConfig('binance', [symbolsLine(20), 'channels = ["kline"]', 'streams_per_connection = 30']);
  const plans = planConnections(config, protocol('binance'), { shard_index: 0, shard_count: 1 });
  assert.ok(plans.every((p) => p.streams.length <= 30));
  assert.ok(plans.length >= 4);
});

test('staleness thresholds grow with quieter channels and longer intervals', () => {
  const base = { key: 'k', symbol: { canonical: 'BTCUSDT', base: 'BTC', quote: 'USDT', native: 'btcusdt' }, endpoint: 'url' } as const;
  const kline = (interval: StreamSpec['interval']): StreamSpec => ({ ...base, channel: 'kline', interval });
  assert.equal(staleThresholdMs({ ...base, channel: 'depth' }, 10_000), 10_000);
  assert.equal(staleThresholdMs(kline('1m'), 10_000), 10_000);
  assert.ok(staleThresholdMs(kline('1d'), 10_000) > 100_000, 'a quiet 1d stream is not stale after 10 s');
  assert.ok(staleThresholdMs(kline('1h'), 10_000) > staleThresholdMs(kline('5m'), 10_000));
  assert.ok(staleThresholdMs({ ...base, channel: 'trade' }, 10_000) > 10_000);
});
