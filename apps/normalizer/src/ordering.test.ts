// Update order (issue 10, item 9): OKX candle pushes carry no event time, so two updates of one bar
// received in the same millisecond share `event_time`; the raw frame's place in its partition orders
// them, travels as the `order` header, and the stores keep the later one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrivalOrder, TOPICS } from '@klineflow/kafka';
import { METRICS } from '@klineflow/observability';
import type { StandardKline } from '@klineflow/schemas';
import { EXCHANGES } from '@klineflow/exchange-modules';
import { Normalizer, type Drained, type OutputMessage, type RawMessage } from './pipeline.js';
import { TEST_POLICY } from './test-support.js';

/** The candle1m push documented in docs/PROTOCOLS.md (and okx.test.ts): close 64033.5, volume 2.16787395. */
const OKX_FIRST =
  '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1786538760000","64040.2","64040.2","64025.7","64033.5","2.16787395","138825.265446816","138825.265446816","0"]]}';
/**
 * The next update of the same bar, as reported in the issue (close 64038.2, volume 2.25101046). Not a
 * captured frame (fixtures/ has no second candle of this bar): its quote volume is the first one's plus
 * the added base volume at the new close, and high and low still hold.
 */
const OKX_SECOND =
  '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1786538760000","64040.2","64040.2","64025.7","64038.2","2.25101046","144149.177901498","144149.177901498","0"]]}';
/** Both arrive in this one millisecond. */
const SAME_MS = 1786538761000;

const KEY = 'candle1m:BTC-USDT';
const LOOSE_BOUNDS = { maxClockSkewMs: 86_400_000 };

function raw(value: string, offset: number, connId = 'okx-main'): RawMessage {
  return {
    topic: 'raw.okx',
    partition: 3,
    offset: String(offset),
    key: KEY,
    value,
    headers: { exchange: 'okx', conn_id: connId, recv_ts: String(SAME_MS), kind: 'live' },
  };
}

function klinesOf(drained: Drained): OutputMessage[] {
  return drained.topicMessages.find((t) => t.topic === TOPICS.klines)?.messages ?? [];
}

function normalizer(): Normalizer {
  return new Normalizer(TEST_POLICY, 3000, () => SAME_MS, LOOSE_BOUNDS);
}

test('every exchange module declares how its updates are ordered: Binance E, HTX ts, OKX candles (and Binance depth20) by arrival', () => {
  assert.deepEqual(EXCHANGES.okx.mapper.ordering, { kline: 'arrival', ticker: 'event_time', depth: 'event_time', trade: 'event_time' });
  assert.deepEqual(EXCHANGES.binance.mapper.ordering, { kline: 'event_time', ticker: 'event_time', depth: 'arrival', trade: 'event_time' });
  assert.deepEqual(EXCHANGES.huobi.mapper.ordering, {
    kline: 'event_time',
    ticker: 'event_time',
    depth: 'event_time',
    trade: 'event_time',
  });
});

test('arrivalOrder is fixed-width, so text order is numeric order', () => {
  assert.equal(arrivalOrder('41', 0), '0000000000000000041000000');
  assert.ok(arrivalOrder('9', 0) < arrivalOrder('10', 0));
  assert.ok(arrivalOrder('10', 0) < arrivalOrder('10', 1));
  assert.ok(arrivalOrder('9223372036854775806', 999_999) < arrivalOrder('9223372036854775807', 0));
});

test('two updates of one OKX bar received in the same millisecond are both emitted, the later with the later order; the JSON is unchanged', () => {
  const n = normalizer();
  n.process(raw(OKX_FIRST, 41));
  n.process(raw(OKX_SECOND, 42));
  const out = klinesOf(n.drain());
  assert.equal(out.length, 2);
  const [first, second] = out.map((m) => JSON.parse(m.value) as StandardKline);
  assert.equal(first!.event_time, SAME_MS);
  assert.equal(second!.event_time, SAME_MS, 'event_time is still the receive time: the tie is real');
  assert.deepEqual([second!.close, second!.volume, second!.quote_volume], ['64038.2', '2.25101046', '144149.177901498']);
  assert.deepEqual(
    out.map((m) => m.headers),
    [{ order: arrivalOrder('41', 0) }, { order: arrivalOrder('42', 0) }],
  );
  assert.deepEqual(Object.keys(second!).sort(), [
    'close',
    'close_time',
    'event_time',
    'exchange',
    'high',
    'interval',
    'is_closed',
    'low',
    'open',
    'open_time',
    'quote_volume',
    'recv_time',
    'symbol',
    'trade_count',
    'volume',
  ]);
});

test('a hot-standby copy of the earlier update, arriving after the later one in the same millisecond, is dropped as stale', () => {
  const n = normalizer();
  n.process(raw(OKX_FIRST, 41, 'okx-main'));
  n.process(raw(OKX_FIRST, 42, 'okx-standby')); // identical: a duplicate, as before
  n.process(raw(OKX_SECOND, 43, 'okx-main'));
  n.process(raw(OKX_FIRST, 44, 'okx-standby')); // late: less volume than the update already emitted
  n.process(raw(OKX_SECOND, 45, 'okx-standby'));
  const out = klinesOf(n.drain());
  assert.deepEqual(
    out.map((m) => (JSON.parse(m.value) as StandardKline).close),
    ['64033.5', '64038.2'],
  );
  assert.equal(n.counts.get(METRICS.duplicatesDropped, ['okx', 'duplicate']), 2);
  assert.equal(n.counts.get(METRICS.duplicatesDropped, ['okx', 'stale']), 1);
});

test('a replay of both frames (a restart from a snapshot taken before them) carries the same orders, and a replayed earlier update alone is stale', () => {
  const first = normalizer();
  first.process(raw(OKX_FIRST, 41));
  const before = JSON.parse(JSON.stringify(first.stateOf('okx:BTCUSDT:1m'))) as NonNullable<ReturnType<Normalizer['stateOf']>>;
  first.process(raw(OKX_SECOND, 42));
  const original = klinesOf(first.drain());

  // Replayed from the raw offset of the first frame with the state from before it: the same records, the same orders.
  const restarted = normalizer();
  restarted.reassign(new Set(['raw.okx:3']), new Set(['raw.okx:3']), new Map());
  restarted.process(raw(OKX_FIRST, 41));
  restarted.process(raw(OKX_SECOND, 42));
  assert.deepEqual(klinesOf(restarted.drain()), original);

  // With the state after the later update, the earlier frame replayed is dropped.
  const resumed = normalizer();
  const after = first.stateOf('okx:BTCUSDT:1m')!;
  assert.notDeepEqual(after.lastEmitted, before.lastEmitted);
  resumed.reassign(new Set(['raw.okx:3']), new Set(['raw.okx:3']), new Map([['okx:BTCUSDT:1m', JSON.parse(JSON.stringify(after))]]));
  resumed.process(raw(OKX_FIRST, 41));
  resumed.process(raw(OKX_SECOND, 42));
  assert.deepEqual(klinesOf(resumed.drain()), []);
  assert.equal(resumed.counts.get(METRICS.duplicatesDropped, ['okx', 'stale']), 1);
  assert.equal(resumed.counts.get(METRICS.duplicatesDropped, ['okx', 'duplicate']), 1);
});

test('event-time-ordered records carry no order header', () => {
  const n = normalizer();
  const binance = `{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":${SAME_MS},"s":"BTCUSDT","k":{"t":1786538760000,"T":1786538819999,"s":"BTCUSDT","i":"1m","o":"100","c":"105","h":"110","l":"90","v":"10","n":5,"x":false,"q":"1000.5"}}}`;
  n.process({
    topic: 'raw.binance',
    partition: 0,
    offset: '7',
    key: 'btcusdt@kline_1m',
    value: binance,
    headers: { exchange: 'binance', conn_id: 'b', recv_ts: String(SAME_MS), kind: 'live' },
  });
  const [message] = klinesOf(n.drain());
  assert.ok(message);
  assert.equal(message.headers, undefined);
});
