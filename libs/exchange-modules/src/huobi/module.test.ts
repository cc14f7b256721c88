import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INTERVALS, parseSymbol } from '@klineflow/exchanges';
import { resolveSymbol, toNativeInterval } from '../facts.js';
import { huobi } from './index.js';

test('HTX intervals, as in the docs/PROTOCOLS.md table', () => {
  assert.deepEqual(
    INTERVALS.map((i) => toNativeInterval('huobi', i)),
    ['1min', '5min', '15min', '60min', '4hour', '1day'],
  );
});

test('BTCUSDT is btcusdt on HTX', () => {
  assert.equal(resolveSymbol('huobi', parseSymbol('BTCUSDT')).native, 'btcusdt');
});

test('bars close by inference (HTX sends no closed flag: its bars close by the clock)', () => {
  assert.equal(huobi.mapper.barClosing, 'inferred');
});
