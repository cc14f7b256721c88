import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureFrames, frameContext } from '../test-support.js';
import type { MapResult } from '../mapper.js';
import { BybitBooks } from './book.js';
import { bybitMapper } from './mapper.js';

const RECV = 1672324988890;
const frames = fixtureFrames('bybit.jsonl');
const [subscribed, pong, kline, ticker, bookSnapshot, bookDelta, trade, refused] = frames as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];

function recordsOf(result: MapResult) {
  assert.equal(result.kind, 'records', JSON.stringify(result));
  return result.kind === 'records' ? result.records : [];
}

test('bybit kline: volume is base, turnover quote, confirm closes the bar, ts is the event time', () => {
  const result = bybitMapper.map(kline, frameContext(RECV));
  assert.deepEqual(recordsOf(result), [
    {
      channel: 'kline',
      record: {
        exchange: 'bybit',
        symbol: 'BTCUSDT',
        interval: '5m',
        open_time: 1672324800000,
        close_time: 1672325099999,
        open: '16649.5',
        high: '16677',
        low: '16608',
        close: '16677',
        volume: '2.081',
        quote_volume: '34666.4005',
        trade_count: null,
        is_closed: false,
        event_time: 1672324988882,
        recv_time: RECV,
      },
    },
  ]);
  assert.equal(result.kind === 'records' && result.exchangeTime, 1672324988882);
  const [closed] = recordsOf(bybitMapper.map(kline.replace('"confirm":false', '"confirm":true'), frameContext(RECV)));
  assert.equal(closed?.channel === 'kline' && closed.record.is_closed, true);
  const [daily] = recordsOf(
    bybitMapper.map(kline.replace('kline.5.', 'kline.D.').replace('"interval":"5"', '"interval":"D"'), frameContext(RECV)),
  );
  assert.equal(daily?.channel === 'kline' && daily.record.interval, '1d');
});

test('bybit spot ticker: prevPrice24h opens the day, volume24h base, turnover24h quote; no sizes, bid, ask or count (null)', () => {
  assert.deepEqual(recordsOf(bybitMapper.map(ticker, frameContext(RECV))), [
    {
      channel: 'ticker',
      record: {
        exchange: 'bybit',
        symbol: 'BTCUSDT',
        last_price: '21109.77',
        last_quantity: null,
        best_bid_price: null,
        best_bid_quantity: null,
        best_ask_price: null,
        best_ask_quantity: null,
        open_24h: '20704.93',
        high_24h: '21426.99',
        low_24h: '20575',
        volume_24h: '6780.866843',
        quote_volume_24h: '141946527.22907118',
        trade_count_24h: null,
        event_time: 1673853746003,
        recv_time: RECV,
      },
    },
  ]);
});

test('bybit book: the snapshot the ingest publishes maps to a depth record with u as update id; a raw delta is refused', () => {
  const published = new BybitBooks().publishable('orderbook.50.BTCUSDT', bookSnapshot)!;
  assert.deepEqual(recordsOf(bybitMapper.map(published, frameContext(RECV))), [
    {
      channel: 'depth',
      record: {
        exchange: 'bybit',
        symbol: 'BTCUSDT',
        bids: [
          ['16493.50', '0.006'],
          ['16493.00', '0.100'],
        ],
        asks: [
          ['16611.00', '0.029'],
          ['16612.00', '0.213'],
        ],
        update_id: '18521288',
        event_time: 1672304484978,
        recv_time: RECV,
      },
    },
  ]);
  assert.deepEqual(bybitMapper.map(bookDelta, frameContext(RECV)), {
    kind: 'rejected',
    reason: 'malformed',
    detail: 'delta on orderbook.50.BTCUSDT: only book snapshots are published',
  });
});

test('bybit publicTrade: S is the taker side, i the trade id, T the trade time', () => {
  assert.deepEqual(recordsOf(bybitMapper.map(trade, frameContext(RECV))), [
    {
      channel: 'trade',
      record: {
        exchange: 'bybit',
        symbol: 'BTCUSDT',
        trade_id: '20f43950-d8dd-5b31-9112-a178eb6023af',
        price: '16578.50',
        quantity: '0.001',
        taker_side: 'buy',
        trade_time: 1672304486865,
        event_time: 1672304486868,
        recv_time: RECV,
      },
    },
  ]);
});

test('bybit replies are control frames; other topics are unknown channels; garbage is unparseable; a wrong shape throws (malformed)', () => {
  for (const frame of [subscribed, pong, refused]) assert.equal(bybitMapper.map(frame, frameContext(RECV)).kind, 'control', frame);
  assert.deepEqual(bybitMapper.map('{"topic":"orderbook.1.BTCUSDT","ts":1,"type":"snapshot","data":{}}', frameContext(RECV)), {
    kind: 'rejected',
    reason: 'unknown_channel',
    detail: 'topic orderbook.1.BTCUSDT',
  });
  assert.deepEqual(bybitMapper.map(kline.replace('"interval":"5"', '"interval":"3"'), frameContext(RECV)), {
    kind: 'rejected',
    reason: 'unknown_channel',
    detail: 'kline interval 3',
  });
  assert.equal((bybitMapper.map('{"topic":', frameContext(RECV)) as { reason: string }).reason, 'unparseable');
  assert.throws(() =>
    bybitMapper.map('{"topic":"publicTrade.BTCUSDT","ts":1,"type":"snapshot","data":{"not":"a list"}}', frameContext(RECV)),
  );
});
