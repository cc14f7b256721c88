import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barCloseTime, barOpenTime, parseSymbol } from './index.js';

test('symbols normalise to BTCUSDT from every spelling', () => {
  for (const text of ['BTCUSDT', 'btcusdt', 'BTC-USDT', 'btc/usdt', 'BTC_USDT']) assert.equal(parseSymbol(text).canonical, 'BTCUSDT');
  const fdusd = parseSymbol('ETHFDUSD');
  assert.deepEqual([fdusd.base, fdusd.quote], ['ETH', 'FDUSD'], 'longest quote suffix wins');
  assert.throws(() => parseSymbol('BTC USDT'), /is not a symbol/);
});

test('bar boundaries: open time aligned to the interval, close = open + interval - 1', () => {
  assert.equal(barOpenTime('1m', 1672515782136), 1672515780000);
  assert.equal(barCloseTime('1m', 1672515780000), 1672515839999);
  assert.equal(barOpenTime('1d', 1672515782136), 1672444800000);
});
