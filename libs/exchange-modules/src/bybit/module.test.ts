import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INTERVALS, parseSymbol } from '@klineflow/exchanges';
import { resolveSymbol, toNativeInterval } from '../facts.js';
import { bybit } from './index.js';

test('Bybit intervals, as in the docs/PROTOCOLS.md table', () => {
  assert.deepEqual(
    INTERVALS.map((i) => toNativeInterval('bybit', i)),
    ['1', '5', '15', '60', '240', 'D'],
  );
});

test('BTCUSDT is BTCUSDT on Bybit', () => {
  assert.equal(resolveSymbol('bybit', parseSymbol('BTCUSDT')).native, 'BTCUSDT');
});

test("bars close by the exchange's flag (Bybit flags the closing update itself)", () => {
  assert.equal(bybit.mapper.barClosing, 'flagged');
});
