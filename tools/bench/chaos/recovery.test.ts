import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditBars, lagLevel, lagRecovery, owedOpenTimes, uncoveredBars, type StoredBar } from './recovery.js';

const series = (...values: number[]) => values.map((v, i) => ({ t: i * 1000, v }));

test('the level is the p95 of the lag samples in [from, to)', () => {
  const points = series(...Array.from({ length: 20 }, (_, i) => i + 1), 1_000_000);
  assert.equal(lagLevel(points, 0, 20_000), 19); // nearest rank: 19 of 20 at or below
  assert.ok(Number.isNaN(lagLevel(points, 50_000, 60_000)));
});

test('lag back to level: the first sample at or below it after the peak, not a low sample before the rise', () => {
  // fault at t = 0.5 s; the killed consumer's lag is still low at 1 s, peaks at 3 s, back at 5 s
  const points = series(100, 90, 500, 4000, 2000, 80, 300, 95);
  const r = lagRecovery(points, 100, 500, 7000);
  assert.deepEqual(r, { level: 100, peak: 4000, peakAfterMs: 2500, backAfterMs: 4500 });
});

test('lag back to level: 0 when never above it, null when still above it at the end of the watch', () => {
  assert.equal(lagRecovery(series(50, 60, 70), 100, 0, 2000).backAfterMs, 0);
  const stuck = lagRecovery(series(50, 900, 800, 700), 100, 0, 3000);
  assert.equal(stuck.backAfterMs, null);
  assert.equal(stuck.peak, 900);
  // samples after `until` (the next fault's) do not count
  assert.equal(lagRecovery(series(50, 900, 800, 10), 100, 0, 2000).backAfterMs, null);
  assert.equal(lagRecovery([], 100, 0, 1000).backAfterMs, null);
});

test('owed open times: bars closing in (from, to]', () => {
  assert.deepEqual(owedOpenTimes(60_000, 240_000, 60_000), [60_000, 120_000, 180_000]);
  assert.deepEqual(owedOpenTimes(59_999, 120_000, 60_000), [0, 60_000]);
  assert.deepEqual(owedOpenTimes(0, 59_999, 60_000), []);
});

test('a missing bar counts as lost unless its exchange may lose bars and a gap record covers it', () => {
  const missing = [
    { exchange: 'okx', symbol: 'A', interval: '1m', openTime: 60_000 },
    { exchange: 'okx', symbol: 'A', interval: '1m', openTime: 180_000 },
  ];
  const gaps = [
    { exchange: 'okx', symbol: 'A', interval: '1m', from_open_time: 0, to_open_time: 120_000 },
    { exchange: 'okx', symbol: 'B', interval: '1m', from_open_time: 0, to_open_time: 600_000 },
  ];
  assert.deepEqual(uncoveredBars(missing, gaps), [missing[1]]);
});

test('auditBars: owed vs stored after FINAL, duplicates before and after FINAL, losses excused only when reported', () => {
  const intervals = { '1m': 60_000 };
  const bar = (exchange: string, symbol: string, openTime: number, rows = 1): StoredBar => ({
    exchange,
    interval: '1m',
    symbol,
    openTime,
    rows,
  });
  // window (0, 180 s]: bars opening at 0, 60 s and 120 s for each of two symbols on two exchanges
  const streams = { exchanges: ['binance', 'okx'], symbols: ['A', 'B'], intervals };
  const final = [
    ...['A', 'B'].flatMap((s) => [0, 60_000, 120_000].map((t) => bar('binance', s, t))),
    bar('okx', 'A', 0),
    bar('okx', 'A', 60_000),
    bar('okx', 'A', 120_000, 2), // twice after FINAL: a duplicate a reader would see
    bar('okx', 'B', 0),
    bar('okx', 'B', 300_000), // outside the window: ignored
  ];
  const raw = [...final, bar('binance', 'A', 0, 3)]; // a bar written three times before a merge
  const gaps = [{ exchange: 'okx', symbol: 'B', interval: '1m', from_open_time: 60_000, to_open_time: 60_000 }];
  const audit = auditBars({ fromVirtual: 0, toVirtual: 180_000 }, streams, final, raw, gaps, ['okx']);
  assert.equal(audit.owed, 12);
  assert.equal(audit.stored, 10);
  assert.deepEqual(audit.missing, { binance: 0, okx: 2 });
  assert.equal(audit.reported, 1); // okx B 60 s
  assert.equal(audit.lost, 1); // okx B 120 s: no gap record
  assert.match(audit.lostExamples[0]!, /^okx B 1m 1970-01-01T00:02:00/);
  assert.equal(audit.duplicatesFinal, 1);
  assert.equal(audit.duplicatesRaw, 1 + 2);
  // the same missing bars on an exchange that may not lose any are lost, reported or not
  const strict = auditBars({ fromVirtual: 0, toVirtual: 180_000 }, streams, final, raw, gaps, []);
  assert.equal(strict.lost, 2);
  assert.equal(strict.reported, 0);
});
