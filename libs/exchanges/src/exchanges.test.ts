import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barCloseTime, barOpenTime, CANONICAL_SYMBOL, EXCHANGE_IDS, fromNativeInterval, INTERVALS, NATIVE_SYMBOL, parseSymbol, toNativeInterval } from './index.js';

test('intervals map both ways on every exchange, as in the docs/PROTOCOLS.md table', () => {
  assert.deepEqual(INTERVALS.map((i) => toNativeInterval('okx', i)), ['candle1m', 'candle5m', 'candle15m', 'candle1H', 'candle4H', 'candle1Dutc']);
  assert.deepEqual(INTERVALS.map((i) => toNativeInterval('huobi', i)), ['1min', '5min', '15min', '60min', '4hour', '1day']);
  for (const exchange of EXCHANGE_IDS) for (const interval of INTERVALS) assert.equal(fromNativeInterval(exchange, toNativeInterval(exchange, interval)), interval);
  assert.equal(fromNativeInterval('okx', 'candle1D'), undefined, 'OKX candle1D opens at 16:00 UTC and is not our 1d');
});

test('symbols normalise to BTCUSDT from every spelling and back to each native form', () => {
  for (const text of ['BTCUSDT', 'btcusdt', 'BTC-USDT', 'btc/usdt', 'BTC_USDT']) assert.equal(parseSymbol(text).canonical, 'BTCUSDT');
  const fdusd = parseSymbol('ETHFDUSD');
  assert.deepEqual([fdusd.base, fdusd.quote], ['ETH', 'FDUSD'], 'longest quote suffix wins');
  const btc = parseSymbol('BTCUSDT');
  assert.deepEqual(EXCHANGE_IDS.map((e) => NATIVE_SYMBOL[e](btc)), ['btcusdt', 'BTC-USDT', 'btcusdt']);
  assert.deepEqual(EXCHANGE_IDS.map((e) => CANONICAL_SYMBOL[e](NATIVE_SYMBOL[e](btc))), ['BTCUSDT', 'BTCUSDT', 'BTCUSDT']);
  assert.throws(() => parseSymbol('BTC USDT'), /is not a symbol/);
});

test('bar boundaries: open time aligned to the interval, close = open + interval - 1', () => {
  assert.equal(barOpenTime('1m', 1672515782136), 1672515780000);
  assert.equal(barCloseTime('1m', 1672515780000), 1672515839999);
  assert.equal(barOpenTime('1d', 1672515782136), 1672444800000);
});
