import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processFigures } from './result.js';
import { lagTrend, levelFlatness, residualSpread, percentileOfSorted, percentiles, shareAtOrBelow, slope, windowed } from './stats.js';
import { LatencySamples, recvTimeOf } from './samples.js';

test('nearest-rank percentiles of 1..1000', () => {
  const values = Array.from({ length: 1000 }, (_, i) => 1000 - i); // unsorted on purpose
  const p = percentiles(values);
  assert.equal(p.count, 1000);
  assert.equal(p.min, 1);
  assert.equal(p.p50, 500);
  assert.equal(p.p99, 990);
  assert.equal(p.p999, 999);
  assert.equal(p.max, 1000);
  assert.equal(p.mean, 500.5);
});

test('percentiles of few samples pick real samples, and the top one for p99.9', () => {
  assert.equal(percentileOfSorted([5], 50), 5);
  assert.equal(percentileOfSorted([1, 2, 3, 4], 50), 2);
  assert.equal(percentileOfSorted([1, 2, 3, 4], 99), 4);
  assert.equal(percentileOfSorted([1, 2, 3, 4], 0), 1);
  assert.ok(Number.isNaN(percentiles([]).p50));
});

test('share at or below a limit', () => {
  assert.equal(shareAtOrBelow([1000, 3000, 3001, 9000], 3000), 0.5);
});

test('least-squares slope of a line and of noise around it', () => {
  assert.equal(
    slope([
      { t: 0, v: 10 },
      { t: 1, v: 12 },
      { t: 2, v: 14 },
    ]),
    2,
  );
  assert.equal(
    slope([
      { t: 0, v: 1 },
      { t: 1, v: 3 },
      { t: 2, v: 1 },
      { t: 3, v: 3 },
    ]),
    0.4,
  );
  assert.ok(Number.isNaN(slope([{ t: 0, v: 1 }])));
});

test('lag that keeps growing is not flat; lag that wobbles is', () => {
  const growing = Array.from({ length: 21 }, (_, i) => ({ t: i * 5000, v: i * 1000 })); // 12,000 msg/min
  const trend = lagTrend(growing, 0, 100_000, 500);
  assert.equal(Math.round(trend.slopePerMinute), 12_000);
  assert.equal(trend.start, 0);
  assert.equal(trend.end, 20_000);
  assert.equal(trend.flat, false);
  const wobbling = Array.from({ length: 21 }, (_, i) => ({ t: i * 5000, v: 200 + (i % 2) * 50 }));
  assert.equal(lagTrend(wobbling, 0, 100_000, 500).flat, true);
  // A batching sink: a saw-tooth of up to 2,000 behind, whose last teeth happen to sit high.
  const sawTooth = Array.from({ length: 21 }, (_, i) => ({ t: i * 5000, v: ((i * 7) % 5) * 400 + (i > 17 ? 600 : 0) }));
  assert.equal(lagTrend(sawTooth, 0, 100_000, 100).flat, true);
  // A backlog that was already large and keeps growing is not flat, however wide its range.
  const ramp = Array.from({ length: 121 }, (_, i) => ({ t: i * 5000, v: 300_000 + i * 20_000 + (i % 2) * 5000 }));
  assert.equal(lagTrend(ramp, 0, 600_000, 11_000).flat, false);
});

test('residual spread is the noise around the trend, not the trend', () => {
  assert.equal(
    residualSpread([
      { t: 0, v: 0 },
      { t: 1, v: 10 },
      { t: 2, v: 20 },
    ]),
    0,
  );
  assert.equal(
    residualSpread([
      { t: 0, v: 0 },
      { t: 1, v: 10 },
      { t: 2, v: 0 },
      { t: 3, v: 10 },
    ]),
    12,
  );
});

test('RSS flatness compares the first and last spans', () => {
  const points = Array.from({ length: 600 }, (_, i) => ({ t: i * 1000, v: i < 60 ? 100 : i >= 540 ? 115 : 105 }));
  const f = levelFlatness(points, 0, 599_000, 60_000);
  assert.equal(f.first, 100);
  assert.equal(f.last, 115);
  assert.ok(Math.abs(f.change - 0.15) < 1e-9);
  assert.equal(f.flat, false);
  const figures = processFigures(
    [
      { t: 0, v: 50 },
      { t: 1000, v: 150 },
    ],
    points,
    [7],
    0,
    599_000,
  );
  assert.equal(figures.cpuMean, 100);
  assert.equal(figures.rssFirstMinuteMb, 100);
  assert.equal(figures.rssLastMinuteMb, 115);
  assert.equal(figures.rssFlat, false);
});

test('windowed percentiles, with empty windows kept as gaps', () => {
  const points = [
    { t: 0, v: 1 },
    { t: 9_999, v: 3 },
    { t: 25_000, v: 7 },
  ];
  const w = windowed(points, 10_000, 0, 30_000);
  assert.deepEqual(
    w.map((x) => x.count),
    [2, 0, 1],
  );
  assert.equal(w[0]!.p50, 1);
  assert.equal(w[0]!.p99, 3);
  assert.ok(Number.isNaN(w[1]!.p50));
  assert.equal(w[2]!.t, 20_000);
});

test('latency samples keep only the window, per 10 s window and per tag', () => {
  const s = new LatencySamples(10_000);
  s.add(99, 500); // before start: ignored
  s.start(1000);
  s.add(5, 1000, 1);
  s.add(7, 5000, 2);
  s.add(20, 21_500, 1); // window 2; window 1 stays empty
  s.stop(30_000);
  s.add(1000, 30_500); // after stop: ignored
  assert.equal(s.count, 3);
  assert.deepEqual([...s.all()], [5, 7, 20]);
  assert.deepEqual([...s.all(1)], [5, 20]);
  const windows = s.windows();
  assert.deepEqual(
    windows.map((w) => [w.t, w.count]),
    [
      [0, 2],
      [10_000, 0],
      [20_000, 1],
    ],
  );
  assert.equal(windows[0]!.p99, 7);
  assert.deepEqual(s.lastCompleteWindow(), { t: 10_000, count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN });
  assert.equal(s.summary(2).max, 7);
});

test('latency samples span chunk boundaries', () => {
  const s = new LatencySamples();
  s.start(0);
  const n = (1 << 20) + 10;
  for (let i = 0; i < n; i++) s.add(i % 100, 1);
  assert.equal(s.count, n);
  assert.equal(s.summary().max, 99);
  assert.equal(s.all().length, n);
});

test('recv_time is read from a record without parsing it', () => {
  assert.equal(recvTimeOf('{"exchange":"binance","event_time":1,"recv_time":1786538762136,"x":2}'), 1786538762136);
  assert.equal(recvTimeOf('{"recv_time": 42}'), 42);
  assert.equal(recvTimeOf('{"event_time":1}'), undefined);
});
