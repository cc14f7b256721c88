import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StandardKline } from '@klineflow/schemas';
import { checkKlineStructure, compareDecimals } from './validation.js';

test('compareDecimals is exact on decimal text, including exponents and trailing zeros', () => {
  assert.equal(compareDecimals('10050.00', '10050'), 0);
  assert.equal(compareDecimals('9.99', '10.0'), -1);
  assert.equal(compareDecimals('0.30000000000000001', '0.3'), 1); // a float would call these equal
  assert.equal(compareDecimals('007.5', '7.50'), 0);
  assert.equal(compareDecimals('9.2E-7', '0.00000092'), 0);
  assert.equal(compareDecimals('1.0E-7', '9.2E-7'), -1);
});

const DAY = 86_400_000;
const bar = (exchange: StandardKline['exchange'], openTime: number): StandardKline => ({
  exchange,
  symbol: 'BTCUSDT',
  interval: '1d',
  open_time: openTime,
  close_time: openTime + DAY - 1,
  open: '1',
  high: '2',
  low: '0.5',
  close: '1.5',
  volume: '1',
  quote_volume: '1',
  trade_count: 1,
  is_closed: true,
  event_time: openTime,
  recv_time: openTime,
});

test('daily bars must open at 00:00 UTC; HTX may also open at 16:00 UTC (its day is UTC+8)', () => {
  const midnight = 1_786_492_800_000;
  assert.equal(checkKlineStructure(bar('binance', midnight)), undefined);
  assert.equal(checkKlineStructure(bar('huobi', midnight - 8 * 3_600_000)), undefined);
  assert.equal(checkKlineStructure(bar('binance', midnight - 8 * 3_600_000))?.reason, 'structure');
  assert.equal(checkKlineStructure(bar('huobi', midnight - 7 * 3_600_000))?.reason, 'structure');
});
