// Ingest hot path: every frame is classified and keyed for its Kafka partition by a string
// scan instead of a JSON parse; HTX frames are gunzipped (with a size cap) first.
import { gzipSync } from 'node:zlib';
import { classifyBinanceFrame, classifyHuobiFrame, classifyOkxFrame, inflateHuobiFrame } from '@klineflow/exchange-modules';
import type { BenchCase } from './harness.js';

const binance =
  '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1786538762136,"s":"BTCUSDT","k":{"t":1786538760000,"T":1786538819999,"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"64040.20","c":"64033.50","h":"64050.00","l":"64025.70","v":"2.16787395","n":100,"x":false,"q":"138825.265446816","V":"1.1","Q":"70000.1","B":"0"}}}';
const okx =
  '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1786538760000","64040.2","64050","64025.7","64033.5","2.16787395","138825.265446816","138825.265446816","0"]]}';
const huobi =
  '{"ch":"market.btcusdt.kline.1min","ts":1786538762136,"tick":{"id":1786538760,"open":64040.20,"close":64033.50,"low":64025.70,"high":64050.00,"amount":2.16787395,"vol":138825.265446816,"count":100}}';
const huobiGzip = gzipSync(huobi);

const parse = (text: string) => ({ name: 'JSON.parse', fn: () => JSON.parse(text) as unknown });

export const cases: BenchCase[] = [
  { name: 'binance frame → stream key (string scan)', fn: () => classifyBinanceFrame(binance), baseline: parse(binance) },
  { name: 'okx frame → stream key (string scan)', fn: () => classifyOkxFrame(okx), baseline: parse(okx) },
  { name: 'huobi frame → stream key (string scan)', fn: () => classifyHuobiFrame(huobi), baseline: parse(huobi) },
  { name: 'huobi gzip frame → capped gunzip', fn: () => inflateHuobiFrame(huobiGzip), baseline: parse(huobi) },
];
