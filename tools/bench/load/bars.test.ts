import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barsClosedBetween, checkBars, expectedBars, realToVirtual, virtualToReal } from './bars.js';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 27, 15, 0, 0); // on every boundary up to 1h

test('bars closing in (from, to]: a close exactly at the start is not owed, one exactly at the end is', () => {
  assert.equal(barsClosedBetween(T, T + 10 * MIN, MIN), 10);
  assert.equal(barsClosedBetween(T + 30_000, T + 10 * MIN + 30_000, MIN), 10);
  assert.equal(barsClosedBetween(T + 1, T + 10 * MIN - 1, MIN), 9);
  assert.equal(barsClosedBetween(T, T + 10 * MIN, 5 * MIN), 2);
  assert.equal(barsClosedBetween(T + MIN, T + 16 * MIN, 15 * MIN), 1); // 15:15
  assert.equal(barsClosedBetween(T + MIN, T + 11 * MIN, 15 * MIN), 0);
  assert.equal(barsClosedBetween(T + MIN, T + 61 * MIN, 60 * MIN), 1);
  assert.equal(barsClosedBetween(T, T, MIN), 0);
});

test('expected bars: 10 minutes of 1,200 symbols on three exchanges', () => {
  const rows = expectedBars(
    { fromVirtual: T + 20_000, toVirtual: T + 10 * MIN + 20_000 },
    ['binance', 'okx', 'huobi'],
    ['1m', '5m', '15m', '1h', '4h', '1d'],
    1200,
  );
  assert.equal(rows.length, 18);
  const binance = Object.fromEntries(rows.filter((r) => r.exchange === 'binance').map((r) => [r.interval, r.expected]));
  assert.deepEqual(binance, { '1m': 12_000, '5m': 2_400, '15m': 0, '1h': 0, '4h': 0, '1d': 0 });
  assert.equal(
    rows.reduce((n, r) => n + r.expected, 0),
    3 * 14_400,
  );
});

test('the simulator clock maps to the wall clock at its speed', () => {
  const clock = { realAt: 1_000_000, virtualAt: 5_000_000, speed: 60 };
  assert.equal(realToVirtual(clock, 1_001_000), 5_060_000);
  assert.equal(virtualToReal(clock, 5_060_000), 1_001_000);
  assert.equal(virtualToReal({ realAt: 10, virtualAt: 10, speed: 1 }, 70), 70);
});

test("stored counts against what each stream owes: extras of one stream do not hide another stream's missing bars", () => {
  const expected = expectedBars({ fromVirtual: T, toVirtual: T + 3 * MIN }, ['binance'], ['1m'], 3);
  const rows = checkBars(
    expected,
    [
      { exchange: 'binance', interval: '1m', symbol: 'A', bars: 3 },
      { exchange: 'binance', interval: '1m', symbol: 'B', bars: 4 },
      // C never stored
    ],
    ['A', 'B', 'C'],
  );
  assert.equal(rows[0]!.expected, 9);
  assert.equal(rows[0]!.stored, 7);
  assert.equal(rows[0]!.missing, 3);
  assert.equal(rows[0]!.streamsMissing, 1);
  assert.deepEqual(rows[0]!.examples, ['C (0/3)']);
});
