import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSymbol } from '@klineflow/exchanges';
import { resolveSymbol } from '../facts.js';
import { binance } from './index.js';

test('BTCUSDT is btcusdt on Binance', () => {
  assert.equal(resolveSymbol('binance', parseSymbol('BTCUSDT')).native, 'btcusdt');
});

test("bars close by the exchange's flag (Binance flags the closing update itself)", () => {
  assert.equal(binance.mapper.barClosing, 'flagged');
});
