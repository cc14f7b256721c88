import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearScale, loadPlot, logScale, polylinePoints } from './svg.js';

test('linear scale maps the domain onto the range, with round ticks', () => {
  const x = linearScale(0, 600, 80, 740, 10);
  assert.equal(x(0), 80);
  assert.equal(x(600), 740);
  assert.equal(x(300), 410);
  assert.deepEqual(x.ticks, [0, 100, 200, 300, 400, 500, 600]);
});

test('log scale puts powers of ten evenly, clamps values below the domain', () => {
  const y = logScale(1, 1000, 300, 0); // screen y grows downwards
  assert.equal(y(1), 300);
  assert.equal(y(10), 200);
  assert.equal(y(1000), 0);
  assert.equal(y(0), 300);
  assert.deepEqual(y.ticks, [1, 10, 100, 1000]);
});

test('polyline points follow the data and break at missing values', () => {
  const lines = polylinePoints(
    [
      { x: 0, y: 0 },
      { x: 1, y: 2 },
      { x: 2, y: Number.NaN },
      { x: 3, y: 4 },
      { x: 4, y: 5 },
    ],
    (v) => v * 10,
    (v) => 100 - v * 10,
  );
  assert.deepEqual(lines, ['0,100 10,80', '30,60 40,50']);
});

test('the plot draws p50 and p99 of each destination and a line per group', () => {
  const svg = loadPlot(
    'run <1>',
    {
      '→ kline-data': [
        { t: 0, p50: 10, p99: 100 },
        { t: 10, p50: 10, p99: 1000 },
      ],
      '→ Redis kline': [
        { t: 0, p50: 1, p99: 10 },
        { t: 10, p50: Number.NaN, p99: Number.NaN },
      ],
    },
    {
      normalizer: [
        { t: 0, v: 0 },
        { t: 5, v: 500 },
        { t: 20, v: 1000 },
      ],
      'redis-writer': [
        { t: 0, v: 0 },
        { t: 20, v: 0 },
      ],
    },
    20,
  );
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.includes('run &lt;1&gt;'), 'the title is escaped');
  const polylines = [...svg.matchAll(/<polyline [^>]*points="([^"]+)"><title>([^<]+)<\/title>/g)].map((m) => [m[2], m[1]]);
  assert.deepEqual(
    polylines.map(([label]) => label),
    ['→ kline-data p50', '→ kline-data p99', '→ Redis kline p50', '→ Redis kline p99', 'normalizer', 'redis-writer'],
  );
  // Latency panel: x 0..20 s over 80..740 px; y log10 1..1000 ms over 285..70 px (one decade = 71.7 px).
  const [, klineP50] = polylines[0]!;
  const [, klineP99] = polylines[1]!;
  assert.equal(klineP50, '80,213.3 410,213.3');
  assert.equal(klineP99, '80,141.7 410,70');
  // A destination with one real window draws a single point.
  assert.equal(polylines[2]![1], '80,285');
  // Lag panel, 300 px lower: y linear 0..1050 (max + 5 %) over 585..370 px.
  assert.equal(polylines[4]![1], '80,585 245,482.6 740,380.2');
  assert.ok(svg.includes('stroke-dasharray="5,3" points='), 'p99 lines are dashed');
});
