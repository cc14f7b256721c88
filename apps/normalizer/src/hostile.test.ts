// Issue 12: hostile input is dead-lettered with a reason, never stored, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXCHANGES } from '@klineflow/exchange-modules';
import { TOPICS } from '@klineflow/kafka';
import { METRICS } from '@klineflow/observability';
import { decimalDigits, decimalRangeProblem, type DeadLetter, type StandardKline } from '@klineflow/schemas';
import { DEAD_LETTER_BUDGET_CHARS, DEAD_LETTER_RAW_CHARS, Normalizer, type Drained } from './pipeline.js';
import { rawMessage, TEST_POLICY } from './test-support.js';

const MIN = 60_000;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MIN);
const SKEW = 600_000;

function normalizer(wall = () => T0) {
  return new Normalizer(TEST_POLICY, 3000, wall, { maxClockSkewMs: SKEW });
}
function on<T>(drained: Drained, topic: string): T[] {
  return (drained.topicMessages.find((t) => t.topic === topic)?.messages ?? []).map((m) => JSON.parse(m.value) as T);
}

/** A valid Binance kline frame with one field of `k` (or E) replaced by raw JSON text. */
function binance(field: string, json: string, stream = 'btcusdt@kline_1m', s = 'BTCUSDT', i = '1m'): string {
  const k: Record<string, string> = {
    t: String(T0),
    T: String(T0 + MIN - 1),
    s: `"${s}"`,
    i: `"${i}"`,
    o: '"100"',
    c: '"105"',
    h: '"110"',
    l: '"90"',
    v: '"10"',
    n: '5',
    x: 'false',
    q: '"1000.5"',
  };
  let E = String(T0 + 1000);
  if (field === 'E') E = json;
  else k[field] = json;
  const body = Object.entries(k)
    .map(([name, value]) => `"${name}":${value}`)
    .join(',');
  return `{"stream":"${stream}","data":{"e":"kline","E":${E},"s":"${s}","k":{${body}}}}`;
}

test('decimalDigits counts significant integer and fraction digits with the exponent applied', () => {
  assert.deepEqual(decimalDigits('10050.00'), { integer: 5, fraction: 0 });
  assert.deepEqual(decimalDigits('0.00100000'), { integer: 0, fraction: 3 });
  assert.deepEqual(decimalDigits('9.2E-7'), { integer: 0, fraction: 8 });
  assert.deepEqual(decimalDigits('3.358149508E7'), { integer: 8, fraction: 2 });
  assert.deepEqual(decimalDigits('1e400'), { integer: 401, fraction: 0 });
  assert.deepEqual(decimalDigits('0'), { integer: 0, fraction: 0 });
});

test('every field out of bounds is dead-lettered with reason and count; the valid frame next to them is emitted exactly', () => {
  const n = normalizer();
  const hostile: Array<[string, string, string]> = [
    ['E', '100000000000000000000000', 'bounds'], // 1e23 passes the schema as an integer
    ['E', String(T0 + SKEW + 1), 'bounds'], // beyond the skew ahead of recv_time
    ['E', String(T0 - SKEW - 1), 'bounds'],
    ['t', String(T0 - 20 * MIN), 'bounds'], // a live update for a bar long gone
    ['t', String(Date.UTC(2008, 0, 1)), 'bounds'],
    ['v', '"1e400"', 'bounds'],
    ['h', '"123456789012345678901"', 'bounds'], // 21 integer digits: over Decimal(38, 18)
    ['v', '"0.0000000000000000001"', 'bounds'], // 19 places
    ['q', `"1.${'0'.repeat(100)}"`, 'bounds'], // exact, but no exchange writes it: a record that long is an attack
    ['n', '1e23', 'bounds'],
    ['n', 'null', 'bounds'], // the schema allows null (OKX has no count); Binance always sends one
    ['c', '"-5"', 'schema'],
    ['c', '"NaN"', 'schema'],
    ['c', 'null', 'schema'],
  ];
  for (const [field, json] of hostile) n.process(rawMessage('binance', binance(field, json), T0));
  const valid = binance('c', '"105.00000000"');
  n.process(rawMessage('binance', valid, T0));
  const drained = n.drain();
  const letters = on<DeadLetter>(drained, TOPICS.deadLetter);
  assert.deepEqual(
    letters.map((l) => l.reason),
    hostile.map(([, , reason]) => reason),
  );
  assert.match(letters[0]!.detail, /event_time 1e\+23 is not a safe integer/);
  assert.match(letters[5]!.detail, /volume: 1e400 has more than 20 integer digits/);
  assert.equal(n.counts.get(METRICS.deadLetters, ['binance', 'bounds']), 11);
  const klines = on<StandardKline>(drained, TOPICS.klines);
  assert.deepEqual(
    klines.map((k) => [k.open_time, k.close, k.event_time]),
    [[T0, '105.00000000', T0 + 1000]],
  );
});

test('history bars may be old, but not before 2009 nor after the exchange clock', () => {
  const n = normalizer();
  const headers = { kind: 'backfill', backfill_symbol: 'BTCUSDT', backfill_interval: '1m' };
  const row = (t: number) => [t, '100', '110', '90', '105', '10', t + MIN - 1, '1000', 5, '5', '500', '0'];
  const old = T0 - 400 * 86_400_000;
  const reply = JSON.stringify({ id: 'b', status: 200, result: [row(old), row(Date.UTC(2008, 11, 31, 23, 59)), row(T0 + 20 * MIN)] });
  const drained = (n.process(rawMessage('binance', reply, T0, headers)), n.drain());
  assert.deepEqual(
    on<StandardKline>(drained, TOPICS.klines).map((k) => k.open_time),
    [old],
  );
  assert.deepEqual(
    on<DeadLetter>(drained, TOPICS.deadLetter).map((l) => l.detail.replace(/ \d+.*/, '')),
    ['kline: open_time', 'kline: open_time'],
  );
});

test('a frame whose symbol or interval is not the stream it was keyed by is dead-lettered and creates no stream', () => {
  const n = normalizer();
  const cases = [
    // Binance: the wrapper names the subscribed stream, the event another symbol or interval.
    rawMessage('binance', binance('o', '"100"', 'btcusdt@kline_1m', 'BTCGUSDT'), T0),
    rawMessage('binance', binance('o', '"100"', 'btcusdt@kline_5m', 'BTCUSDT', '1m'), T0),
    // The ingest could not place it on a subscribed stream: keyed by its connection id.
    rawMessage('binance', binance('o', '"100"', 'btcgusdt@kline_1m', 'BTCGUSDT'), T0, {}, 'binance-s0-main-0-r0-g1'),
    // OKX: a duplicate instId, the classifier reads the first, JSON.parse keeps the last.
    rawMessage(
      'okx',
      `{"arg":{"channel":"candle1m","instId":"BTC-USDT","instId":"BTCG-USDT"},"data":[["${T0}","1","2","0.5","1.5","1","1","1","0"]]}`,
      T0,
      {},
      'candle1m:BTC-USDT',
    ),
    // HTX: a topic that is not a subscribed stream, keyed by the connection id.
    rawMessage(
      'huobi',
      `{"ch":"market.btcusnt.kline.1min","ts":${T0 + 1000},"tick":{"id":${T0 / 1000},"open":1.0,"close":1.0,"low":1.0,"high":1.0,"amount":1.0,"vol":1.0,"count":1}}`,
      T0,
      {},
      'huobi-s0-main-0-r0-g1',
    ),
  ];
  for (const message of cases) n.process(message);
  const drained = n.drain();
  assert.deepEqual(
    on<DeadLetter>(drained, TOPICS.deadLetter).map((l) => l.reason),
    cases.map(() => 'stream_mismatch'),
  );
  assert.equal(on(drained, TOPICS.klines).length, 0);
  assert.equal(on(drained, TOPICS.normalizerState).length, 0, 'no stream state for a symbol nobody subscribed');
  for (const key of ['binance:BTCGUSDT:1m', 'binance:BTCUSDT:1m', 'okx:BTCGUSDT:1m', 'huobi:BTCUSNT:1m'])
    assert.equal(n.stateOf(key), undefined, key);
  assert.equal(n.counts.get(METRICS.deadLetters, ['okx', 'stream_mismatch']), 1);
});

test('stream keys of every exchange read back to symbol, channel and interval; anything else to nothing', () => {
  assert.deepEqual(EXCHANGES.binance.protocol.streamOfKey('btcusdt@kline_15m'), { symbol: 'BTCUSDT', channel: 'kline', interval: '15m' });
  assert.deepEqual(EXCHANGES.binance.protocol.streamOfKey('ethusdt@depth20@100ms'), { symbol: 'ETHUSDT', channel: 'depth' });
  assert.deepEqual(EXCHANGES.okx.protocol.streamOfKey('candle1Dutc:BTC-USDT'), { symbol: 'BTCUSDT', channel: 'kline', interval: '1d' });
  assert.deepEqual(EXCHANGES.okx.protocol.streamOfKey('books5:SOL-USDT'), { symbol: 'SOLUSDT', channel: 'depth' });
  assert.deepEqual(EXCHANGES.huobi.protocol.streamOfKey('market.btcusdt.kline.60min'), {
    symbol: 'BTCUSDT',
    channel: 'kline',
    interval: '1h',
  });
  assert.deepEqual(EXCHANGES.huobi.protocol.streamOfKey('market.btcusdt.trade.detail'), { symbol: 'BTCUSDT', channel: 'trade' });
  for (const [exchange, key] of [
    ['binance', 'btcusdt@kline_1D'],
    ['binance', 'binance-s0-main-0-r0-g1'],
    ['okx', 'candle1D:BTC-USDT'],
    ['okx', 'constructor:BTC-USDT'],
    ['huobi', 'market.btcusdt.kline.1min.x'],
  ] as const) {
    assert.equal(EXCHANGES[exchange].protocol.streamOfKey(key), undefined, key);
  }
});

test('an HTX count of null is refused, not read as 0', () => {
  const n = normalizer();
  n.process(
    rawMessage(
      'huobi',
      `{"ch":"market.btcusdt.kline.1min","ts":${T0 + 1000},"tick":{"id":${T0 / 1000},"open":1.0,"close":1.0,"low":1.0,"high":1.0,"amount":1.0,"vol":1.0,"count":null}}`,
      T0,
    ),
  );
  const drained = n.drain();
  assert.equal(on(drained, TOPICS.klines).length, 0);
  assert.deepEqual(
    on<DeadLetter>(drained, TOPICS.deadLetter).map((l) => l.reason),
    ['schema'],
  );
});

test('a hostile exchange time is no latency sample (a NaN would make the histogram throw)', () => {
  const n = normalizer();
  n.process(rawMessage('binance', binance('E', '"NaN"'), T0)); // the first frame is always sampled
  n.process(rawMessage('binance', binance('E', '100000000000000000000000'), T0));
  assert.deepEqual(n.exchangeLatencySamples.binance, []);
  n.process(rawMessage('binance', binance('c', '"105"'), T0));
  for (let i = 0; i < 16; i++) n.process(rawMessage('binance', binance('c', '"105"'), T0));
  assert.deepEqual(n.exchangeLatencySamples.binance, [-1], 'a valid frame is sampled: received 1 s before its event time');
});

test('a hostile exchange time does not move the exchange clock: HTX bars are not closed by it', () => {
  const n = normalizer();
  const tick = (ts: string, id: number) =>
    `{"ch":"market.btcusdt.kline.1min","ts":${ts},"tick":{"id":${id / 1000},"open":1.0,"close":1.0,"low":1.0,"high":1.0,"amount":1.0,"vol":1.0,"count":1}}`;
  n.process(rawMessage('huobi', tick(String(T0 + 1000), T0), T0));
  n.process(rawMessage('huobi', tick('100000000000000000000000', T0), T0));
  n.closeDueInferredBars();
  const drained = n.drain();
  assert.deepEqual(
    on<StandardKline>(drained, TOPICS.klines).map((k) => k.is_closed),
    [false],
    'the open bar stays open',
  );
  assert.deepEqual(
    on<DeadLetter>(drained, TOPICS.deadLetter).map((l) => l.reason),
    ['bounds'],
  );
});

test('dead letters quote at most a slice of a huge frame, and a flood stays within one batch budget', () => {
  const n = normalizer();
  const huge = `{"stream":"btcusdt@kline_1m","data":"${'x'.repeat(1024 * 1024)}"}`;
  n.process(rawMessage('binance', huge, T0));
  const [letter] = on<DeadLetter>(n.drain(), TOPICS.deadLetter);
  assert.equal(letter!.raw, huge.slice(0, DEAD_LETTER_RAW_CHARS));
  assert.match(letter!.detail, new RegExp(`first ${DEAD_LETTER_RAW_CHARS} of ${huge.length} chars`));

  const garbage = 'y'.repeat(1000);
  const flood = 2000; // ~2 MB of dead letters if each were written
  for (let i = 0; i < flood; i++) n.process(rawMessage('binance', garbage, T0));
  const drained = n.drain();
  const bytes = drained.topicMessages.find((t) => t.topic === TOPICS.deadLetter)!.messages.reduce((sum, m) => sum + m.value.length, 0);
  assert.ok(bytes < DEAD_LETTER_BUDGET_CHARS + 2 * DEAD_LETTER_RAW_CHARS, `${bytes} chars of dead letters in one batch`);
  const letters = on<DeadLetter>(drained, TOPICS.deadLetter);
  const summary = letters.at(-1)!;
  assert.equal(summary.reason, 'dead_letter_budget');
  const written = letters.length - 1;
  assert.match(summary.detail, new RegExp(`unparseable ×${flood - written}$`));
  assert.equal(n.counts.get(METRICS.deadLetters, ['binance', 'unparseable']), flood, 'every reject is counted');
  n.process(rawMessage('binance', garbage, T0));
  assert.equal(on<DeadLetter>(n.drain(), TOPICS.deadLetter)[0]!.raw, garbage, 'the budget is per batch');
});

test('decimal range: the Decimal(38, 18) edges, and an exponent that is no number', () => {
  assert.equal(decimalRangeProblem('99999999999999999999.999999999999999999'), undefined);
  assert.match(decimalRangeProblem('100000000000000000000')!, /more than 20 integer digits/);
  assert.match(decimalRangeProblem('0.0000000000000000001')!, /more than 18 decimal places/);
  assert.equal(decimalRangeProblem('1E-18'), undefined);
  assert.match(decimalRangeProblem('1.5E-18')!, /decimal places/); // 0.0000000000000000015
  assert.equal(decimalRangeProblem('1.5E19'), undefined);
  assert.match(decimalRangeProblem(`1e${'9'.repeat(400)}`)!, /integer digits/);
  assert.match(decimalRangeProblem('1eX')!, /integer digits/);
});
