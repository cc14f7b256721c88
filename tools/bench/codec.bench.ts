// JSON (today's wire format of kline-data, ticker-data, depth-data, trade-data) against MessagePack
// (msgpackr, native acceleration when its prebuilt addon loads) for the normalized records, each case
// next to its JSON baseline. What each path really does per record:
//   normalizer  JSON: JSON.stringify + UTF-8 encode (kafkajs Buffer.from)    msgpack: pack
//   any sink    JSON: Buffer → toString + JSON.parse                         msgpack: unpack
//   redis       JSON: toString + JSON.parse, and the text is stored as-is    msgpack: unpack + JSON.stringify (Redis keeps JSON)
// Sizes (bytes on the wire per record) are in the case names. Decimals are strings and stay strings:
// checked below, before anything is timed, as is Redis getting byte-identical JSON either way.
import assert from 'node:assert/strict';
import { Packr, Unpackr, isNativeAccelerationEnabled } from 'msgpackr';
import type { StandardDepth, StandardKline, StandardTicker, StandardTrade } from '@klineflow/schemas';
import type { BenchCase } from './harness.js';

const T0 = 1_786_538_760_000;
const N = 64;

/** Deterministic price-like decimal text around `base` with `scale` places, as exchanges print them. */
const dec = (base: number, i: number, scale: number) =>
  `${base + (i % 7)}.${String(((i + 1) * 2_654_435_761) % 10 ** scale).padStart(scale, '0')}`;

const klines: StandardKline[] = Array.from({ length: N }, (_, i) => ({
  exchange: (['binance', 'okx', 'huobi'] as const)[i % 3]!,
  symbol: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'DOGEUSDT'][i % 4]!,
  interval: '1m',
  open_time: T0 + i * 60_000,
  close_time: T0 + i * 60_000 + 59_999,
  open: dec(64_040, i, 2),
  high: dec(64_050, i, 2),
  low: dec(64_025, i, 2),
  close: dec(64_033, i, 2),
  volume: dec(2, i, 8),
  quote_volume: dec(138_825, i, 9),
  trade_count: i % 3 === 1 ? null : 100 + i,
  is_closed: i % 10 === 9,
  event_time: T0 + i * 60_000 + 2_000,
  recv_time: T0 + i * 60_000 + 2_003,
}));

const tickers: StandardTicker[] = Array.from({ length: N }, (_, i) => ({
  exchange: (['binance', 'okx', 'huobi'] as const)[i % 3]!,
  symbol: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'DOGEUSDT'][i % 4]!,
  last_price: dec(64_033, i, 2),
  last_quantity: dec(0, i, 5),
  best_bid_price: dec(64_033, i, 2),
  best_bid_quantity: dec(1, i, 5),
  best_ask_price: dec(64_034, i, 2),
  best_ask_quantity: dec(0, i, 5),
  open_24h: dec(63_100, i, 2),
  high_24h: dec(64_900, i, 2),
  low_24h: dec(62_800, i, 2),
  volume_24h: dec(18_234, i, 5),
  quote_volume_24h: dec(1_168_000_000, i, 8),
  trade_count_24h: i % 3 === 1 ? null : 2_345_678 + i,
  event_time: T0 + i * 1_000,
  recv_time: T0 + i * 1_000 + 3,
}));

/** Top 20 levels each side, as the normalizer emits them. */
const depths: StandardDepth[] = Array.from({ length: N }, (_, i) => ({
  exchange: (['binance', 'okx', 'huobi'] as const)[i % 3]!,
  symbol: 'BTCUSDT',
  bids: Array.from({ length: 20 }, (_, l) => [(64_033.5 - l * 0.1 - i * 0.01).toFixed(2), dec(0, i + l, 8)] as [string, string]),
  asks: Array.from({ length: 20 }, (_, l) => [(64_033.6 + l * 0.1 + i * 0.01).toFixed(2), dec(0, i + 2 * l, 8)] as [string, string]),
  update_id: String(48_791_234_567 + i),
  event_time: T0 + i * 100,
  recv_time: T0 + i * 100 + 2,
}));

const trades: StandardTrade[] = Array.from({ length: N }, (_, i) => ({
  exchange: (['binance', 'okx', 'huobi'] as const)[i % 3]!,
  symbol: 'BTCUSDT',
  // HTX trade ids run to 27 digits.
  trade_id: i % 3 === 2 ? `100017123456789012345678${String(i).padStart(3, '0')}` : String(3_912_345_678 + i),
  price: dec(64_033, i, 2),
  quantity: dec(0, i, 5),
  taker_side: i % 2 === 0 ? 'buy' : 'sell',
  trade_time: T0 + i * 37,
  event_time: T0 + i * 37 + 1,
  recv_time: T0 + i * 37 + 4,
}));

/** Plain MessagePack maps: self-describing, readable by any MessagePack library (msgpackr's default). */
const maps = { packr: new Packr({ useRecords: false }), unpackr: new Unpackr({ useRecords: false }) };
/**
 * msgpackr's record extension with structures agreed in advance: the fastest and smallest it can be,
 * but not self-describing (every producer and consumer, in every language, would need the same
 * structure table out of band), so an upper bound rather than an option.
 */
const sharedStructures: object[] = [];
const records = { packr: new Packr({ structures: sharedStructures }), unpackr: new Unpackr({ structures: sharedStructures }) };

/** Who reads each topic inside klineflow: kline-data both sinks, ticker-data and depth-data the Redis writer, trade-data nobody (one outside reader assumed). */
type Reader = 'redis' | 'clickhouse' | 'outside';
interface Kind {
  readonly name: string;
  readonly values: readonly object[];
  readonly readers: readonly Reader[];
}
const KINDS: readonly Kind[] = [
  { name: 'kline', values: klines, readers: ['redis', 'clickhouse'] },
  { name: 'ticker', values: tickers, readers: ['redis'] },
  { name: 'depth20', values: depths, readers: ['redis'] },
  { name: 'trade', values: trades, readers: ['outside'] },
];

/** One record through its topic: encoded once by the normalizer, then read by each of the topic's consumers. */
function endToEnd(kind: Kind): Omit<BenchCase, 'opsPerCall'> {
  const { values, readers } = kind;
  const viaJson = (v: object) => {
    const wire = Buffer.from(JSON.stringify(v));
    const out: unknown[] = [];
    for (const reader of readers) {
      const text = wire.toString();
      out.push(JSON.parse(text), reader === 'redis' ? text : undefined);
    }
    return out;
  };
  const viaMsgpack = (v: object) => {
    const wire = maps.packr.pack(v);
    const out: unknown[] = [];
    for (const reader of readers) {
      const value = maps.unpackr.unpack(wire) as unknown;
      out.push(value, reader === 'redis' ? JSON.stringify(value) : undefined);
    }
    return out;
  };
  return {
    name: `${kind.name} msgpack end to end: encode, ${readers.join(' + ')}`,
    fn: () => values.map(viaMsgpack),
    baseline: { name: 'the same with JSON', opsPerCall: values.length, fn: () => values.map(viaJson) },
  };
}

const avg = (sizes: number[]) => Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length);

function casesFor(kind: Kind): BenchCase[] {
  const { values } = kind;
  const jsonBuffers = values.map((v) => Buffer.from(JSON.stringify(v)));
  const mapBuffers = values.map((v) => maps.packr.pack(v));
  const recordBuffers = values.map((v) => records.packr.pack(v));
  // Exactness before speed: the same record back, decimals still strings, and the JSON Redis would store unchanged.
  values.forEach((v, i) => {
    assert.deepEqual(maps.unpackr.unpack(mapBuffers[i]!), v);
    assert.deepEqual(records.unpackr.unpack(recordBuffers[i]!), v);
    assert.equal(JSON.stringify(maps.unpackr.unpack(mapBuffers[i]!)), jsonBuffers[i]!.toString(), 're-encoded JSON is byte-identical');
  });
  const bytes = `JSON ${avg(jsonBuffers.map((b) => b.length))} B, msgpack ${avg(mapBuffers.map((b) => b.length))} B, records ${avg(recordBuffers.map((b) => b.length))} B`;
  const n = values.length;
  const jsonEncode = { name: 'JSON.stringify + UTF-8', opsPerCall: n, fn: () => values.map((v) => Buffer.from(JSON.stringify(v))) };
  const jsonDecode = {
    name: 'toString + JSON.parse',
    opsPerCall: n,
    fn: () => jsonBuffers.map((b) => JSON.parse(b.toString()) as unknown),
  };
  // Redis: parse to validate and key, store the consumed text.
  const jsonRedis = {
    name: 'toString + JSON.parse, text kept',
    opsPerCall: n,
    fn: () =>
      jsonBuffers.map((b) => {
        const text = b.toString();
        return [JSON.parse(text), text];
      }),
  };
  return [
    {
      name: `${kind.name} msgpack encode (${bytes})`,
      opsPerCall: n,
      fn: () => values.map((v) => maps.packr.pack(v)),
      baseline: jsonEncode,
    },
    {
      name: `${kind.name} msgpack decode`,
      opsPerCall: n,
      fn: () => mapBuffers.map((b) => maps.unpackr.unpack(b) as unknown),
      baseline: jsonDecode,
    },
    {
      name: `${kind.name} msgpack decode + JSON for Redis`,
      opsPerCall: n,
      fn: () =>
        mapBuffers.map((b) => {
          const v = maps.unpackr.unpack(b) as unknown;
          return [v, JSON.stringify(v)];
        }),
      baseline: jsonRedis,
    },
    { ...endToEnd(kind), opsPerCall: n },
    {
      name: `${kind.name} msgpack records encode (shared structures)`,
      opsPerCall: n,
      fn: () => values.map((v) => records.packr.pack(v)),
      baseline: jsonEncode,
    },
    {
      name: `${kind.name} msgpack records decode (shared structures)`,
      opsPerCall: n,
      fn: () => recordBuffers.map((b) => records.unpackr.unpack(b) as unknown),
      baseline: jsonDecode,
    },
  ];
}

if (!isNativeAccelerationEnabled) console.log('  (msgpackr native acceleration not loaded: pure-JS decode)');
export const cases: BenchCase[] = KINDS.flatMap(casesFor);
