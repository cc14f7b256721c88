import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXCHANGE_IDS, INTERVALS, parseSymbol } from '@klineflow/exchanges';
import { EXCHANGE_FACTS, fromNativeInterval, resolveSymbol, toNativeInterval } from './facts.js';

test('intervals map both ways on every exchange, as in the docs/PROTOCOLS.md table', () => {
  assert.deepEqual(
    INTERVALS.map((i) => toNativeInterval('okx', i)),
    ['candle1m', 'candle5m', 'candle15m', 'candle1H', 'candle4H', 'candle1Dutc'],
  );
  assert.deepEqual(
    INTERVALS.map((i) => toNativeInterval('huobi', i)),
    ['1min', '5min', '15min', '60min', '4hour', '1day'],
  );
  assert.deepEqual(
    INTERVALS.map((i) => toNativeInterval('bybit', i)),
    ['1', '5', '15', '60', '240', 'D'],
  );
  for (const exchange of EXCHANGE_IDS)
    for (const interval of INTERVALS) assert.equal(fromNativeInterval(exchange, toNativeInterval(exchange, interval)), interval);
  assert.equal(fromNativeInterval('okx', 'candle1D'), undefined, 'OKX candle1D opens at 16:00 UTC and is not our 1d');
});

test('a symbol resolves to each native form and back to the canonical one', () => {
  const btc = parseSymbol('BTCUSDT');
  assert.deepEqual(
    EXCHANGE_IDS.map((e) => resolveSymbol(e, btc).native),
    ['btcusdt', 'BTC-USDT', 'btcusdt', 'BTCUSDT'],
  );
  assert.deepEqual(
    EXCHANGE_IDS.map((e) => EXCHANGE_FACTS[e].canonicalSymbol(resolveSymbol(e, btc).native)),
    ['BTCUSDT', 'BTCUSDT', 'BTCUSDT', 'BTCUSDT'],
  );
});

test('OKX spaces its connects within its 3 attempts per second', () => {
  const { connectAttempts, connectSpacingMs } = EXCHANGE_FACTS.okx.limits;
  assert.ok(connectAttempts && connectSpacingMs >= connectAttempts.perMs / connectAttempts.count, `${connectSpacingMs} ms`);
});
