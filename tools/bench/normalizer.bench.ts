// Normalizer hot path: mapping + validation per exchange, the HTX literal-preserving parse, and the full batch path.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { binanceMapper, okxMapper, parseWithNumberLiterals, type FrameContext, type MapResult } from '@klineflow/exchange-modules';
import { integrityPolicy, Normalizer, type RawMessage } from '../../apps/normalizer/src/pipeline.js';
import { validateRecord } from '../../apps/normalizer/src/validation.js';
import type { BenchCase } from './harness.js';

const MIN = 60_000;
const T0 = 1_786_538_760_000;
const context: FrameContext = { recvTime: T0 + 5, exchangeNow: () => T0 + 5 };

const binanceKline = (t: number, E: number, x = false) =>
  `{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":${E},"s":"BTCUSDT","k":{"t":${t},"T":${t + MIN - 1},"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"64040.20","c":"64033.50","h":"64050.00","l":"64025.70","v":"2.16787395","n":100,"x":${x},"q":"138825.265446816","V":"1.1","Q":"70000.1","B":"0"}}}`;
const okxCandle = (t: number, confirm = '0') =>
  `{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["${t}","64040.2","64050","64025.7","64033.5","2.16787395","138825.265446816","138825.265446816","${confirm}"]]}`;
const huobiTick = (t: number, ts: number) =>
  `{"ch":"market.btcusdt.kline.1min","ts":${ts},"tick":{"id":${t / 1000},"open":64040.20,"close":64033.50,"low":64025.70,"high":64050.00,"amount":2.16787395,"vol":138825.265446816,"count":100}}`;
const capturedHuobiDepth = readFileSync(path.resolve('fixtures/captured/huobi.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.includes('depth.step0') && l.includes('"raw"'))
  .slice(0, 20)
  .map((l) => (JSON.parse(l) as { raw: string }).raw);

function mapAndValidate(result: MapResult): number {
  let valid = 0;
  if (result.kind === 'records') for (const r of result.records) if (!validateRecord(r)) valid++;
  return valid;
}

const kline = binanceKline(T0, T0 + 2000);
const candle = okxCandle(T0);
const tick = huobiTick(T0, T0 + 2000);

/** The Kafka key the ingest gives each frame (its stream): the normalizer refuses records of another stream. */
const STREAM_KEYS: Record<string, string> = { binance: 'btcusdt@kline_1m', okx: 'candle1m:BTC-USDT', huobi: 'market.btcusdt.kline.1min' };
/** 1000 frames across the three exchanges, 10 symbols' worth of updates and closes. */
const BATCH: RawMessage[] = [];
for (let i = 0; i < 1000; i++) {
  const bar = T0 + Math.floor(i / 100) * MIN;
  const E = bar + (i % 100) * 500;
  const closing = i % 100 === 99;
  const [exchange, value] =
    i % 3 === 0
      ? ['binance', binanceKline(bar, E, closing)]
      : i % 3 === 1
        ? ['okx', okxCandle(bar, closing ? '1' : '0').replace('64033.5', `64033.${i}`)]
        : ['huobi', huobiTick(bar, E)];
  BATCH.push({
    topic: `raw.${exchange}`,
    partition: 0,
    offset: String(i),
    key: STREAM_KEYS[exchange],
    value,
    headers: { exchange, conn_id: 'b', recv_ts: String(E + 3), kind: 'live' },
  });
}
const policy = integrityPolicy({
  price_jump_percent: 20,
  price_jump_policy: 'flag',
  volume_spike_multiple: 50,
  volume_median_window: 30,
  volume_spike_policy: 'flag',
  inferred_close_grace_ms: 3000,
  open_bar_gap_grace_ms: 10_000,
});

export const cases: BenchCase[] = [
  {
    name: 'binance kline frame → StandardKline + validation',
    fn: () => mapAndValidate(binanceMapper.map(kline, context)),
    baseline: { name: 'JSON.parse', fn: () => JSON.parse(kline) },
  },
  {
    name: 'okx candle frame → StandardKline + validation',
    fn: () => mapAndValidate(okxMapper.map(candle, context)),
    baseline: { name: 'JSON.parse', fn: () => JSON.parse(candle) },
  },
  {
    name: 'huobi kline tick: literal-preserving parse',
    fn: () => parseWithNumberLiterals(tick),
    baseline: { name: 'JSON.parse', fn: () => JSON.parse(tick) },
  },
  {
    name: 'huobi depth.step0 (captured, ~150 levels): literal parse',
    fn: () => capturedHuobiDepth.map(parseWithNumberLiterals),
    opsPerCall: capturedHuobiDepth.length,
    baseline: { name: 'JSON.parse', fn: () => capturedHuobiDepth.map((f) => JSON.parse(f)), opsPerCall: capturedHuobiDepth.length },
  },
  {
    name: 'full batch: 1000 mixed frames normalize+validate+dedupe',
    fn: () => {
      const normalizer = new Normalizer(policy, 3000);
      for (const message of BATCH) normalizer.process(message);
      return normalizer.drain();
    },
    opsPerCall: BATCH.length,
    baseline: { name: 'JSON.parse', fn: () => BATCH.map((m) => JSON.parse(m.value)), opsPerCall: BATCH.length },
  },
];
