import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compare,
  consoleTable,
  describeSplit,
  drainFigures,
  markdownTable,
  replicaLines,
  verdict,
  type Poll,
  type ProcessFigures,
} from './report.js';

const poll = (at: number, progress: number, cpuSeconds: number, drained = false, rssBytes = 100 << 20): Poll => ({
  at,
  progress,
  drained,
  cpuSeconds,
  rssBytes,
});

test('the timed window runs from the first poll with progress to the first that saw the range drained', () => {
  const polls = [
    poll(0, 0, 0.5),
    poll(250, 0, 0.7),
    poll(500, 10_000, 0.9, false, 150 << 20),
    poll(10_500, 600_000, 8.9),
    poll(20_500, 1_010_000, 16.9, true),
    poll(20_750, 1_010_000, 17),
  ];
  const f = drainFigures(polls, 1_010_000);
  assert.equal(f.measured, 1_000_000, 'what was committed at the first progress poll is not timed');
  assert.equal(f.seconds, 20);
  assert.equal(f.perSecond, 50_000);
  const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);
  close(f.cpuSeconds, 16);
  close(f.cpuMicrosPerMessage, 16);
  close(f.cores, 0.8);
  assert.equal(f.rssMaxBytes, 150 << 20);
});

test('a range drained between two polls is timed from the poll before', () => {
  const f = drainFigures([poll(0, 0, 1), poll(250, 0, 1.1), poll(500, 50_000, 1.6, true)], 50_000);
  assert.equal(f.measured, 50_000);
  assert.equal(f.perSecond, 200_000);
  assert.equal(f.cpuMicrosPerMessage, 10);
  assert.throws(() => drainFigures([poll(0, 0, 0)], 1), /not drained/);
});

const figures = (perSecond: number, cpuMicrosPerMessage = 10): ProcessFigures => ({
  messages: 1_000_000,
  measured: 990_000,
  seconds: 990_000 / perSecond,
  perSecond,
  cpuSeconds: 0,
  cpuMicrosPerMessage,
  cores: 0.9,
  rssMaxBytes: 0,
  startupSeconds: 2,
  peakRssBytes: 200 << 20,
  exitCode: 0,
});

test('the ratio is app rate over baseline rate, and the targets of issue 8 decide the verdict', () => {
  const slow = compare('normalizer', ['raw.binance'], figures(20_000), figures(200_000));
  assert.equal(slow.ratio, 0.1);
  assert.equal(slow.met, false);
  assert.equal(verdict(slow), 'missed (2.5× too slow; ratio 0.10 < 0.5)');
  const fastButFar = compare('normalizer', [], figures(60_000), figures(200_000));
  assert.equal(verdict(fastButFar), 'missed (ratio 0.30 < 0.5)');
  assert.equal(compare('normalizer', [], figures(110_000), figures(200_000)).met, true);
  assert.equal(compare('redis-writer', [], figures(50_000), figures(500_000)).met, true, 'no ratio target for the sinks');
  assert.equal(verdict(compare('clickhouse-sink', [], figures(40_000), figures(300_000))), 'missed (2.5× too slow)');
  const table = consoleTable([slow]);
  assert.match(table, /normalizer +1 +1,000,000 +20,000 +10\.0/);
  const md = markdownTable([slow]).split('\n');
  assert.equal(md.length, 3);
  assert.equal(md[2]!.split('|').length, md[0]!.split('|').length, 'rows have as many cells as the header');
});

test('a replicated drain shows its replica count, its ratio to one replica and its split in the table', () => {
  const split = {
    replicas: 2,
    frames: 1_000_000,
    excessFrames: 0,
    shares: [0.52, 0.48],
    imbalance: 1.04,
    partitionCounts: [9, 9],
    unassigned: [],
    shared: [],
  };
  const rep = (replica: number, frames: number) => ({
    replica,
    clientId: `klineflow-bench-r${replica}`,
    metricsPort: 19494 + replica * 10,
    partitions: ['raw.okx:1', 'raw.okx:0'],
    frames,
    framesByTopic: {},
    cpuSeconds: 10,
    peakRssBytes: 100 << 20,
  });
  const r = compare('normalizer', [], figures(40_000), figures(200_000), {
    count: 2,
    replicas: [rep(1, 520_000), rep(2, 480_000)],
    split,
    singlePerSecond: 32_000,
    scaling: 1.25,
    assignmentsSeen: 1,
    secondsBeforeFullGroup: 0,
  });
  assert.equal(describeSplit(r.replicas), '9/9 partitions, 52/48 % of frames');
  assert.match(consoleTable([r]), /normalizer +2 +1,000,000 +40,000 .* 1\.25× +9\/9 partitions, 52\/48 % of frames/);
  const lines = replicaLines(r);
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /1\.25 × the single replica's 32,000\/s/);
  assert.match(lines[1]!, /replica 1 .*:19504.*520,000 messages \(52\.0 %\).*raw\.okx:0,1/);
  assert.equal(describeSplit(undefined), '–');
});
