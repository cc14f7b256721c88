import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StandardKline } from '@klineflow/schemas';
import { okxTicker as ticker } from './test-records.js';
import type { SinkRecord } from '@klineflow/sink-runtime';
import { isNewer, planWrites } from './plan.js';

let offset = 0;
const record = (topic: string, value: object | string): SinkRecord => ({
  topic,
  partition: 0,
  offset: String(offset++),
  key: 'k',
  value: typeof value === 'string' ? value : JSON.stringify(value),
});

const kline = (over: Partial<StandardKline> = {}): StandardKline => ({
  exchange: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  open_time: 1_672_515_780_000,
  close_time: 1_672_515_839_999,
  open: '0.0010',
  high: '0.0025',
  low: '0.0015',
  close: '0.0020',
  volume: '1000',
  quote_volume: '1.0000',
  trade_count: 100,
  is_closed: false,
  event_time: 1_672_515_782_136,
  recv_time: 1_672_515_782_140,
  ...over,
});

test('rank orders by open_time, then event_time, then closed over open', () => {
  const base = { json: '', recvTime: 0 };
  assert.equal(isNewer({ ...base, openTime: 2, eventTime: 1, closed: 0 }, { ...base, openTime: 1, eventTime: 9, closed: 1 }), true);
  assert.equal(isNewer({ ...base, openTime: 1, eventTime: 9, closed: 1 }, { ...base, openTime: 2, eventTime: 1, closed: 0 }), false);
  assert.equal(isNewer({ ...base, openTime: 1, eventTime: 5, closed: 0 }, { ...base, openTime: 1, eventTime: 4, closed: 1 }), true);
  assert.equal(isNewer({ ...base, openTime: 1, eventTime: 5, closed: 1 }, { ...base, openTime: 1, eventTime: 5, closed: 0 }), true);
  assert.equal(
    isNewer({ ...base, openTime: 1, eventTime: 5, closed: 0 }, { ...base, openTime: 1, eventTime: 5, closed: 0 }),
    false,
    'a replay is not newer',
  );
});

test('a batch coalesces to the newest latest and the newest closed bar per key, whatever the arrival order', () => {
  const bar1Closed = kline({ is_closed: true, event_time: 1_672_515_840_000, close: '0.0021' });
  const bar2Open = kline({ open_time: 1_672_515_840_000, close_time: 1_672_515_899_999, event_time: 1_672_515_841_000, close: '0.0030' });
  const bar1Early = kline({ event_time: 1_672_515_800_000 });
  const plan = planWrites([record('kline-data', bar2Open), record('kline-data', bar1Closed), record('kline-data', bar1Early)], 'p:');
  assert.equal(plan.writes.length, 1);
  const [write] = plan.writes;
  assert.equal(write!.key, 'p:kline:binance:BTCUSDT:1m');
  assert.deepEqual(JSON.parse(write!.latest.json), bar2Open, 'the open update of bar N+1 stays latest');
  assert.deepEqual(JSON.parse(write!.closed!.json), bar1Closed, 'the closed bar N is kept for the closed field');
  assert.equal(plan.accepted, 3);
});

test('ticker and depth keys are per exchange and symbol, newest event_time wins, and the stored text is untouched', () => {
  const newer = JSON.stringify(ticker({ event_time: 2_000, last_price: '9.2E-7' }));
  const plan = planWrites(
    [
      record('ticker-data', newer),
      record('ticker-data', ticker({ event_time: 1_500 })),
      record('depth-data', {
        exchange: 'huobi',
        symbol: 'BTCUSDT',
        bids: [['10050.00', '1']],
        asks: [['10051.00', '2']],
        update_id: '123',
        event_time: 7,
        recv_time: 8,
      }),
    ],
    '',
  );
  const byKey = new Map(plan.writes.map((w) => [w.key, w]));
  assert.equal(byKey.get('ticker:okx:ETHUSDT')!.latest.json, newer);
  assert.equal(byKey.get('ticker:okx:ETHUSDT')!.closed, undefined);
  assert.match(byKey.get('depth:huobi:BTCUSDT')!.latest.json, /"10050\.00"/);
});

test('unparseable, invalid and unmapped records are rejected with a reason and do not block the rest', () => {
  const plan = planWrites(
    [
      record('kline-data', '{not json'),
      record('kline-data', { ...kline(), volume: 1000 }),
      record('trade-data', kline()),
      record('kline-data', kline()),
    ],
    '',
  );
  assert.deepEqual(
    plan.rejects.map((r) => r.reason),
    ['unparseable', 'schema', 'unknown_topic'],
  );
  assert.match(plan.rejects[1]!.detail, /volume/);
  assert.equal(plan.writes.length, 1);
});
