import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOPICS } from '@klineflow/kafka';
import { METRICS } from '@klineflow/observability';
import type { DeadLetter, KlineGap, StandardKline } from '@klineflow/schemas';
import { BACKFILL_RETRY_MS, Normalizer, type Drained } from './pipeline.js';
import { rawMessage, TEST_POLICY } from './test-support.js';
import type { IntegrityPolicy } from './integrity/stream.js';

const MIN = 60_000;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MIN);

interface Bar {
  t: number;
  o?: string;
  h?: string;
  l?: string;
  c?: string;
  v?: string;
  x?: boolean;
  E?: number;
}
function binanceKline({ t, o = '100', h = '110', l = '90', c = '105', v = '10', x = true, E = t + MIN }: Bar): string {
  return JSON.stringify({
    stream: 'btcusdt@kline_1m',
    data: { e: 'kline', E, s: 'BTCUSDT', k: { t, T: t + MIN - 1, s: 'BTCUSDT', i: '1m', o, c, h, l, v, n: 5, x, q: '1000.5' } },
  });
}
function huobiTick(t: number, close: string, ts: number): string {
  return `{"ch":"market.btcusdt.kline.1min","ts":${ts},"tick":{"id":${t / 1000},"open":100.0,"close":${close},"low":90.0,"high":110.0,"amount":1.50,"vol":150.0,"count":3}}`;
}

/** These scenarios feed every frame as received at T0 while the wall clock moves on: a day of skew keeps bounds out of them. */
const LOOSE_BOUNDS = { maxClockSkewMs: 86_400_000 };

function setup(policy: Partial<IntegrityPolicy> = {}, graceMs = 3000, bounds = LOOSE_BOUNDS) {
  let wall = T0;
  const normalizer = new Normalizer({ ...TEST_POLICY, ...policy }, graceMs, () => wall, bounds);
  return { normalizer, advance: (ms: number) => (wall += ms) };
}
function on<T>(drained: Drained, topic: string): T[] {
  return (drained.topicMessages.find((t) => t.topic === topic)?.messages ?? []).map((m) => JSON.parse(m.value) as T);
}
function feed(normalizer: Normalizer, exchange: string, frames: string[], extra: Record<string, string> = {}): Drained {
  for (const f of frames) normalizer.process(rawMessage(exchange, f, T0, extra));
  return normalizer.drain();
}

test('validation: unparseable, unknown channel, schema and each structure rule go to dead-letter with a reason and a count', () => {
  const { normalizer } = setup();
  const cases: Array<[string, string]> = [
    ['{"stream":', 'unparseable'],
    ['{"stream":"btcusdt@bookTicker","data":{"u":1}}', 'unknown_channel'],
    [binanceKline({ t: T0, v: '-1' }), 'schema'],
    [binanceKline({ t: T0, l: '106' }), 'structure'], // low above min(open, close)
    [binanceKline({ t: T0, h: '104' }), 'structure'], // high below max(open, close)
    [binanceKline({ t: T0, l: '0', o: '0.0' }), 'structure'], // prices must be > 0
    [binanceKline({ t: T0 + 1 }), 'structure'], // open_time off the 1m grid
    ['{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT"}}', 'malformed'],
  ];
  const drained = feed(
    normalizer,
    'binance',
    cases.map(([f]) => f),
  );
  const letters = on<DeadLetter>(drained, TOPICS.deadLetter);
  assert.deepEqual(
    letters.map((l) => l.reason),
    cases.map(([, reason]) => reason),
  );
  assert.equal(letters[0]!.raw, '{"stream":');
  assert.equal(letters[0]!.source_topic, 'raw.binance');
  assert.match(letters[3]!.detail, /low 106 above min\(open, close\) 100/);
  assert.equal(on(drained, TOPICS.klines).length, 0);
  assert.equal(normalizer.counts.get(METRICS.deadLetters, ['binance', 'structure']), 4);
  // Control frames are counted, not dead-lettered.
  const control = feed(normalizer, 'binance', ['{"result":null,"id":1}']);
  assert.equal(on(control, TOPICS.deadLetter).length, 0);
  assert.equal(normalizer.counts.get(METRICS.controlFrames, ['binance']), 1);
});

test('dedupe: identical repeats, stale updates and re-sent closed bars are dropped and counted by kind', () => {
  const { normalizer } = setup();
  const open1 = binanceKline({ t: T0, x: false, E: T0 + 1000 });
  const open2 = binanceKline({ t: T0, x: false, E: T0 + 3000, c: '106' });
  const closed = binanceKline({ t: T0, x: true, E: T0 + MIN, c: '106' });
  const drained = feed(normalizer, 'binance', [open1, open2, open1, open2, closed, closed, open2]);
  const klines = on<StandardKline>(drained, TOPICS.klines);
  assert.deepEqual(
    klines.map((k) => [k.event_time, k.is_closed]),
    [
      [T0 + 1000, false],
      [T0 + 3000, false],
      [T0 + MIN, true],
    ],
  );
  assert.equal(normalizer.counts.get(METRICS.duplicatesDropped, ['binance', 'stale']), 2);
  assert.equal(normalizer.counts.get(METRICS.duplicatesDropped, ['binance', 'duplicate']), 1);
  assert.equal(normalizer.counts.get(METRICS.duplicatesDropped, ['binance', 'duplicate_closed']), 1);
});

test('continuity: no gap at start-up; a skipped closed bar opens a gap and a backfill request; backfill fills it', () => {
  const { normalizer } = setup();
  const first = feed(normalizer, 'binance', [binanceKline({ t: T0 + 5 * MIN })]);
  assert.equal(on(first, TOPICS.klineGaps).length, 0, 'the first closed bar is not a gap');
  const jump = feed(normalizer, 'binance', [binanceKline({ t: T0 + 6 * MIN }), binanceKline({ t: T0 + 9 * MIN })]);
  const [gap] = on<KlineGap>(jump, TOPICS.klineGaps);
  assert.deepEqual(
    { ...gap, detected_at: 0 },
    {
      exchange: 'binance',
      symbol: 'BTCUSDT',
      interval: '1m',
      from_open_time: T0 + 7 * MIN,
      to_open_time: T0 + 8 * MIN,
      missing_bars: 2,
      status: 'open',
      detected_at: 0,
      backfillable: true,
    },
  );
  const [request] = on<Record<string, unknown>>(jump, TOPICS.backfillRequests);
  assert.deepEqual(
    { ...request, requested_at: 0 },
    {
      exchange: 'binance',
      symbol: 'BTCUSDT',
      interval: '1m',
      start_time: T0 + 7 * MIN,
      end_time: T0 + 8 * MIN,
      reason: 'gap',
      requested_at: 0,
    },
  );
  assert.equal(normalizer.counts.get(METRICS.missingBars, ['binance', '1m']), 2);

  const response = JSON.stringify({
    id: 'b1',
    status: 200,
    result: [7, 8, 9].map((i) => [T0 + i * MIN, '100', '110', '90', '105', '10', T0 + (i + 1) * MIN - 1, '1000.5', 5, '5', '500', '0']),
  });
  const backfillHeaders = {
    kind: 'backfill',
    backfill_symbol: 'BTCUSDT',
    backfill_interval: '1m',
    backfill_start: String(T0 + 7 * MIN),
    backfill_end: String(T0 + 8 * MIN),
  };
  const filled = feed(normalizer, 'binance', [response], backfillHeaders);
  // Backfilled bars carry the exchange clock at receipt (the last live event, T0 + 10 min), newer than any live update.
  assert.deepEqual(
    on<StandardKline>(filled, TOPICS.klines).map((k) => [k.open_time, k.is_closed, k.event_time]),
    [
      [T0 + 7 * MIN, true, T0 + 10 * MIN],
      [T0 + 8 * MIN, true, T0 + 10 * MIN],
    ],
  );
  assert.deepEqual(
    on<KlineGap>(filled, TOPICS.klineGaps).map((g) => [g.status, g.from_open_time, g.to_open_time, g.missing_bars]),
    [['filled', T0 + 7 * MIN, T0 + 8 * MIN, 2]],
  );
  assert.equal(normalizer.counts.get(METRICS.filledBars, ['binance', '1m']), 2);
  assert.equal(normalizer.counts.get(METRICS.duplicatesDropped, ['binance', 'duplicate_closed']), 1, 'bar 9 was already closed');
});

test('continuity: an open bar whose predecessor never closed is a gap after the grace, and OKX gaps are reported but not requested', () => {
  const { normalizer } = setup();
  feed(normalizer, 'binance', [binanceKline({ t: T0 })]);
  const early = feed(normalizer, 'binance', [binanceKline({ t: T0 + 2 * MIN, x: false, E: T0 + 2 * MIN + 2000 })]);
  assert.equal(on(early, TOPICS.klineGaps).length, 0, 'within the grace the close of bar 1 may still come');
  const late = feed(normalizer, 'binance', [binanceKline({ t: T0 + 2 * MIN, x: false, E: T0 + 2 * MIN + 11_000, c: '107' })]);
  assert.deepEqual(
    on<KlineGap>(late, TOPICS.klineGaps).map((g) => [g.status, g.from_open_time, g.missing_bars]),
    [['open', T0 + MIN, 1]],
  );
  const closedNext = feed(normalizer, 'binance', [binanceKline({ t: T0 + 2 * MIN })]);
  assert.equal(on(closedNext, TOPICS.klineGaps).length, 0, 'the same hole is not reported twice');

  const okxCandle = (t: number) =>
    `{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["${t}","100","110","90","105","1","100","100","1"]]}`;
  const okx = feed(normalizer, 'okx', [okxCandle(T0), okxCandle(T0 + 3 * MIN)]);
  assert.deepEqual(
    on<KlineGap>(okx, TOPICS.klineGaps).map((g) => [g.exchange, g.missing_bars, g.backfillable]),
    [['okx', 2, false]],
  );
  assert.equal(on(okx, TOPICS.backfillRequests).length, 0);
  assert.equal(normalizer.counts.get(METRICS.klineGaps, ['okx', '1m', 'false']), 1);
});

test('HTX close inference: a later tick.id closes the previous bar with its last values; the exchange clock closes the last one', () => {
  const { normalizer, advance } = setup({}, 3000);
  const ticks = feed(normalizer, 'huobi', [
    huobiTick(T0, '101.10', T0 + 5000),
    huobiTick(T0, '102.20', T0 + 30_000),
    huobiTick(T0 + MIN, '103.30', T0 + MIN + 1000),
  ]);
  const bars = on<StandardKline>(ticks, TOPICS.klines);
  assert.deepEqual(
    bars.map((k) => [k.open_time, k.close, k.is_closed]),
    [
      [T0, '101.10', false],
      [T0, '102.20', false],
      [T0, '102.20', true],
      [T0 + MIN, '103.30', false],
    ],
  );
  assert.ok(bars[2]!.event_time > bars[1]!.event_time, 'the closed version outranks the open ones');
  assert.equal(bars[2]!.volume, '1.50');

  normalizer.closeDueInferredBars();
  assert.equal(on(normalizer.drain(), TOPICS.klines).length, 0, 'bar 1 is not over on the exchange clock yet');
  advance(10 * MIN);
  normalizer.closeDueInferredBars();
  assert.equal(on(normalizer.drain(), TOPICS.klines).length, 0, 'our wall time alone closes nothing: the exchange may only be delayed');
  // Another HTX stream shows exchange time T0 + 2 MIN + 3000: bar 1's interval plus grace is over.
  const other = `{"ch":"market.ethusdt.kline.1min","ts":${T0 + 2 * MIN + 3000},"tick":{"id":${(T0 + 2 * MIN) / 1000},"open":1.0,"close":1.0,"low":1.0,"high":1.0,"amount":1.0,"vol":1.0,"count":1}}`;
  const otherBars = on<StandardKline>(feed(normalizer, 'huobi', [other]), TOPICS.klines);
  assert.deepEqual(
    otherBars.map((k) => k.symbol),
    ['ETHUSDT'],
  );
  normalizer.closeDueInferredBars();
  const clockClose = normalizer.drain();
  const byClock = on<StandardKline>(clockClose, TOPICS.klines);
  assert.deepEqual(
    byClock.map((k) => [k.open_time, k.close, k.is_closed]),
    [[T0 + MIN, '103.30', true]],
  );
  // Silence may have swallowed the last ticks: the exchange's version is asked for, and replaces the inferred close.
  assert.deepEqual(
    on<{ start_time: number; end_time: number }>(clockClose, TOPICS.backfillRequests).map((r) => [r.start_time, r.end_time]),
    [[T0 + MIN, T0 + MIN]],
  );
  advance(200); // the reply arrives a moment later
  const rep = `{"id":"v1","rep":"market.btcusdt.kline.1min","status":"ok","data":[{"id":${(T0 + MIN) / 1000},"open":100.0,"close":103.35,"low":90.0,"high":110.0,"amount":1.75,"vol":181.0,"count":4}]}`;
  const confirmed = feed(normalizer, 'huobi', [rep], {
    kind: 'backfill',
    backfill_symbol: 'BTCUSDT',
    backfill_interval: '1m',
    backfill_start: String(T0 + MIN),
    backfill_end: String(T0 + MIN),
  });
  const [corrected] = on<StandardKline>(confirmed, TOPICS.klines);
  assert.deepEqual([corrected?.close, corrected?.volume, corrected?.is_closed], ['103.35', '1.75', true]);
  assert.ok(corrected!.event_time > byClock[0]!.event_time, 'the correction outranks the inferred close downstream');
  const again = feed(normalizer, 'huobi', [rep], {
    kind: 'backfill',
    backfill_symbol: 'BTCUSDT',
    backfill_interval: '1m',
    backfill_start: String(T0 + MIN),
    backfill_end: String(T0 + MIN),
  });
  assert.equal(on(again, TOPICS.klines).length, 0, 'a repeated reply is a duplicate');
  normalizer.closeDueInferredBars();
  assert.equal(on(normalizer.drain(), TOPICS.klines).length, 0, 'closed once');
  const late = feed(normalizer, 'huobi', [huobiTick(T0 + MIN, '103.40', T0 + 2 * MIN + 4000)]);
  assert.equal(on(late, TOPICS.klines).length, 0, 'a tick after the close is stale');
});

test('an HTX pending bar survives a restart, from a snapshot that stores it once and from one written under its old name', () => {
  const key = 'huobi:BTCUSDT:1m';
  const { normalizer } = setup();
  const written = on<Record<string, unknown>>(feed(normalizer, 'huobi', [huobiTick(T0, '101.10', T0 + 5000)]), TOPICS.normalizerState);
  assert.equal(written.length, 1);
  const snapshot = written[0]!;
  assert.equal(snapshot.pendingIsLastEmitted, true, 'the pending bar is the bar lastEmitted holds');
  assert.equal('pendingBar' in snapshot, false, 'and is not written twice');
  const oldFormat = { ...snapshot, pendingIsLastEmitted: undefined, pendingHtxBar: snapshot.lastEmitted };

  for (const [name, saved] of [
    ['compact', snapshot],
    ['old name', oldFormat],
  ] as const) {
    const restarted = setup();
    const partition0 = new Set(['raw.huobi:0']);
    restarted.normalizer.reassign(partition0, partition0, new Map([[key, JSON.parse(JSON.stringify(saved))]]));
    assert.equal(restarted.normalizer.stateOf(key)?.pendingBar?.close, '101.10', `${name}: the pending bar is back`);
    const next = feed(restarted.normalizer, 'huobi', [huobiTick(T0 + MIN, '103.30', T0 + MIN + 1000)]);
    assert.deepEqual(
      on<StandardKline>(next, TOPICS.klines).map((k) => [k.open_time, k.close, k.is_closed]),
      [
        [T0, '101.10', true],
        [T0 + MIN, '103.30', false],
      ],
      `${name}: the next bar closes it with its last values`,
    );
  }
});

test('sanity: price jump and volume spike are flagged and emitted, or rejected to dead-letter, by policy', () => {
  const bars = [
    binanceKline({ t: T0 }),
    binanceKline({ t: T0 + MIN }),
    binanceKline({ t: T0 + 2 * MIN }),
    binanceKline({ t: T0 + 3 * MIN, h: '200', c: '150' }),
    binanceKline({ t: T0 + 4 * MIN, v: '1000', h: '160', c: '150', o: '150' }),
  ];
  const flagging = setup();
  const flagged = feed(flagging.normalizer, 'binance', bars);
  assert.equal(on(flagged, TOPICS.klines).length, 5);
  assert.equal(flagging.normalizer.counts.get(METRICS.sanityFlags, ['binance', 'price_jump', 'flag']), 1);
  assert.equal(flagging.normalizer.counts.get(METRICS.sanityFlags, ['binance', 'volume_spike', 'flag']), 1);

  const rejecting = setup({ policies: { price_jump: 'reject', volume_spike: 'reject' } });
  const rejected = feed(rejecting.normalizer, 'binance', bars);
  assert.deepEqual(
    on<StandardKline>(rejected, TOPICS.klines).map((k) => k.open_time),
    [T0, T0 + MIN, T0 + 2 * MIN],
  );
  assert.deepEqual(
    on<DeadLetter>(rejected, TOPICS.deadLetter).map((d) => d.reason),
    ['sanity_price_jump', 'sanity_volume_spike'],
  );
  assert.equal(on(rejected, TOPICS.klineGaps).length, 0, 'a rejected bar is not a missing bar');
});

test('state snapshot/restore: a restarted normalizer neither invents nor forgets gaps', () => {
  const before = setup();
  feed(before.normalizer, 'binance', [binanceKline({ t: T0 }), binanceKline({ t: T0 + 3 * MIN })]);
  const drained = feed(before.normalizer, 'binance', [binanceKline({ t: T0 + 4 * MIN, x: false, E: T0 + 4 * MIN + 1000 })]);
  const snapshots = drained.topicMessages.find((t) => t.topic === TOPICS.normalizerState)!.messages;
  assert.deepEqual(
    snapshots.map((m) => m.key),
    ['binance:BTCUSDT:1m'],
    'one snapshot per changed stream per batch',
  );

  const after = setup();
  const partition0 = new Set(['raw.binance:0']);
  after.normalizer.reassign(partition0, partition0, new Map(snapshots.map((m) => [m.key, JSON.parse(m.value)])));
  const replay = feed(after.normalizer, 'binance', [binanceKline({ t: T0 + 3 * MIN }), binanceKline({ t: T0 + 4 * MIN })]);
  assert.equal(on(replay, TOPICS.klineGaps).length, 0, 'no invented gap after restart');
  assert.deepEqual(
    on<StandardKline>(replay, TOPICS.klines).map((k) => k.open_time),
    [T0 + 4 * MIN],
  );
  const response = JSON.stringify({
    id: 'b',
    status: 200,
    result: [1, 2].map((i) => [T0 + i * MIN, '100', '110', '90', '105', '10', T0 + (i + 1) * MIN - 1, '1', 5, '5', '5', '0']),
  });
  const filled = feed(after.normalizer, 'binance', [response], { kind: 'backfill', backfill_symbol: 'BTCUSDT', backfill_interval: '1m' });
  assert.deepEqual(
    on<KlineGap>(filled, TOPICS.klineGaps).map((g) => [g.status, g.missing_bars]),
    [['filled', 2]],
    'the open gap survived the restart',
  );
});

test('rebalance: streams of a partition that moved away are dropped, and come back with the state their other owner saved', () => {
  const key = 'binance:BTCUSDT:1m';
  const partition0 = new Set(['raw.binance:0']);
  const replica = setup();
  feed(replica.normalizer, 'binance', [binanceKline({ t: T0 })]);
  const otherOwner = setup();
  const saved = feed(otherOwner.normalizer, 'binance', [
    binanceKline({ t: T0 }),
    binanceKline({ t: T0 + MIN }),
    binanceKline({ t: T0 + 2 * MIN }),
  ]).topicMessages.find((t) => t.topic === TOPICS.normalizerState)!.messages;
  const savedStates = new Map(saved.map((m) => [m.key, JSON.parse(m.value)]));

  replica.normalizer.reassign(partition0, new Set(), savedStates);
  assert.equal(replica.normalizer.stateOf(key)?.lastClosedOpenTime, T0, 'a partition kept keeps its live state');
  replica.normalizer.reassign(new Set(), new Set(), new Map());
  assert.equal(replica.normalizer.stateOf(key), undefined, 'a partition given away takes its streams along');
  replica.normalizer.reassign(partition0, partition0, savedStates);
  assert.equal(replica.normalizer.stateOf(key)?.lastClosedOpenTime, T0 + 2 * MIN);
  const next = feed(replica.normalizer, 'binance', [binanceKline({ t: T0 + 3 * MIN })]);
  assert.deepEqual(on(next, TOPICS.klineGaps), [], 'no gap invented from what this replica knew before');
  assert.deepEqual(
    on<StandardKline>(next, TOPICS.klines).map((k) => k.open_time),
    [T0 + 3 * MIN],
  );
});

test('an unfilled gap is requested again after BACKFILL_RETRY_MS, and no more once filled', () => {
  const { normalizer, advance } = setup();
  feed(normalizer, 'binance', [binanceKline({ t: T0 + 5 * MIN }), binanceKline({ t: T0 + 8 * MIN })]);
  const requests = () => on<{ start_time: number; end_time: number }>(normalizer.drain(), TOPICS.backfillRequests);
  normalizer.retryUnfilledBackfills();
  assert.deepEqual(requests(), [], 'not before the retry interval');
  advance(BACKFILL_RETRY_MS);
  normalizer.retryUnfilledBackfills();
  assert.deepEqual(
    requests().map((r) => [r.start_time, r.end_time]),
    [[T0 + 6 * MIN, T0 + 7 * MIN]],
    'asked again for the whole hole',
  );

  const response = JSON.stringify({
    id: 'b1',
    status: 200,
    result: [6, 7].map((i) => [T0 + i * MIN, '100', '110', '90', '105', '10', T0 + (i + 1) * MIN - 1, '1000.5', 5, '5', '500', '0']),
  });
  feed(normalizer, 'binance', [response], {
    kind: 'backfill',
    backfill_symbol: 'BTCUSDT',
    backfill_interval: '1m',
    backfill_start: String(T0 + 6 * MIN),
    backfill_end: String(T0 + 7 * MIN),
  });
  advance(BACKFILL_RETRY_MS);
  normalizer.retryUnfilledBackfills();
  assert.deepEqual(requests(), [], 'a filled gap is not requested again');
});

test('HTX: a bar closed by the first tick of a new connection is not trusted; its final version is backfilled', () => {
  const { normalizer } = setup();
  feed(normalizer, 'huobi', [
    huobiTick(T0, '101.0', T0 + 1000),
    huobiTick(T0 + MIN, '102.0', T0 + MIN + 1000),
    huobiTick(T0 + MIN, '102.5', T0 + MIN + 5000),
  ]);
  // The connection drops during bar T0+MIN; the new connection's first tick is already bar T0+2MIN.
  const after = feed(normalizer, 'huobi', [huobiTick(T0 + 2 * MIN, '103.0', T0 + 2 * MIN + 1000)], { conn_id: 'c2' });
  assert.deepEqual(
    on<StandardKline>(after, TOPICS.klines).map((k) => [k.open_time, k.is_closed]),
    [[T0 + 2 * MIN, false]],
    'no possibly incomplete close is published',
  );
  assert.deepEqual(
    on<{ start_time: number; end_time: number }>(after, TOPICS.backfillRequests).map((r) => [r.start_time, r.end_time]),
    [[T0 + MIN, T0 + MIN]],
  );
  const rep = `{"id":"b1","rep":"market.btcusdt.kline.1min","status":"ok","data":[{"id":${(T0 + MIN) / 1000},"open":100.0,"close":102.75,"low":90.0,"high":110.0,"amount":2.50,"vol":250.0,"count":9}]}`;
  const filled = feed(normalizer, 'huobi', [rep], {
    kind: 'backfill',
    conn_id: 'huobi-backfill',
    backfill_symbol: 'BTCUSDT',
    backfill_interval: '1m',
    backfill_start: String(T0 + MIN),
    backfill_end: String(T0 + MIN),
  });
  const [final] = on<StandardKline>(filled, TOPICS.klines);
  assert.deepEqual(
    [final?.open_time, final?.is_closed, final?.close, final?.volume],
    [T0 + MIN, true, '102.75', '2.50'],
    'the exchange final version',
  );
  // A tick from the connection it already knows closes bars by inference as before.
  const next = feed(normalizer, 'huobi', [huobiTick(T0 + 3 * MIN, '104.0', T0 + 3 * MIN + 1000)], { conn_id: 'c2' });
  assert.deepEqual(
    on<StandardKline>(next, TOPICS.klines).map((k) => [k.open_time, k.is_closed]),
    [
      [T0 + 2 * MIN, true],
      [T0 + 3 * MIN, false],
    ],
  );
});

test('continuity from the first bar seen: a stream whose first close never arrived reports it missing', () => {
  const { normalizer } = setup();
  feed(normalizer, 'binance', [binanceKline({ t: T0, x: false, E: T0 + 1000 })]);
  const next = feed(normalizer, 'binance', [binanceKline({ t: T0 + MIN })]);
  const [gap] = on<KlineGap>(next, TOPICS.klineGaps);
  assert.deepEqual(
    [gap?.from_open_time, gap?.to_open_time, gap?.status],
    [T0, T0, 'open'],
    'the first bar was watched, so its close is owed',
  );
  assert.deepEqual(
    on<{ start_time: number }>(next, TOPICS.backfillRequests).map((r) => r.start_time),
    [T0],
  );
});

test('state snapshots: a new bar and its close are saved; further updates of the newest open bar are not', () => {
  const { normalizer } = setup();
  const snapshots = (frames: string[]) =>
    on<{ lastEmitted: StandardKline | null }>(feed(normalizer, 'binance', frames), TOPICS.normalizerState);
  const opened = snapshots([binanceKline({ t: T0, c: '101', x: false, E: T0 + 1_000 })]);
  assert.equal(opened.length, 1, 'the first version of a bar is saved');
  const updates = feed(normalizer, 'binance', [
    binanceKline({ t: T0, c: '102', x: false, E: T0 + 2_000 }),
    binanceKline({ t: T0, c: '103', x: false, E: T0 + 3_000 }),
  ]);
  assert.equal(on(updates, TOPICS.klines).length, 2, 'both updates are emitted');
  assert.equal(on(updates, TOPICS.normalizerState).length, 0, 'but they change nothing a restart must know');
  const closed = snapshots([binanceKline({ t: T0, c: '104', x: true, E: T0 + MIN })]);
  assert.equal(closed.length, 1);
  assert.equal(closed[0]!.lastEmitted!.close, '104');
  assert.equal(
    snapshots([binanceKline({ t: T0 + MIN, c: '104', x: false, E: T0 + MIN + 1_000 })]).length,
    1,
    'the next bar is saved when it opens',
  );
});

test('state snapshots: a restart from a snapshot older than the last open-bar update re-emits newer updates and loses no close', () => {
  const { normalizer } = setup();
  const saved = on<unknown>(
    feed(normalizer, 'binance', [binanceKline({ t: T0, c: '101', x: false, E: T0 + 1_000 })]),
    TOPICS.normalizerState,
  )[0];
  feed(normalizer, 'binance', [binanceKline({ t: T0, c: '102', x: false, E: T0 + 2_000 })]);
  const restarted = setup().normalizer;
  restarted.reassign(new Set(['raw.binance:0']), new Set(['raw.binance:0']), new Map([['binance:BTCUSDT:1m', saved as never]]));
  const replay = feed(restarted, 'binance', [
    binanceKline({ t: T0, c: '103', x: false, E: T0 + 3_000 }),
    binanceKline({ t: T0, c: '104', x: true, E: T0 + MIN }),
  ]);
  assert.deepEqual(
    on<StandardKline>(replay, TOPICS.klines).map((k) => [k.close, k.is_closed]),
    [
      ['103', false],
      ['104', true],
    ],
  );
  assert.equal(on(replay, TOPICS.klineGaps).length, 0, 'no gap is invented');
});
