import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INTERVALS, parseSymbol } from '@klineflow/exchanges';
import { resolveSymbol, toNativeInterval } from '../facts.js';
import { okx } from './index.js';

test('OKX intervals, as in the docs/PROTOCOLS.md table', () => {
  assert.deepEqual(
    INTERVALS.map((i) => toNativeInterval('okx', i)),
    ['candle1m', 'candle5m', 'candle15m', 'candle1H', 'candle4H', 'candle1Dutc'],
  );
});

test('BTCUSDT is BTC-USDT on OKX', () => {
  assert.equal(resolveSymbol('okx', parseSymbol('BTCUSDT')).native, 'BTC-USDT');
});

test("bars close by the exchange's flag (OKX flags the closing update itself)", () => {
  assert.equal(okx.mapper.barClosing, 'flagged');
});
