import { test } from 'node:test';
import assert from 'node:assert/strict';
import { okxMapper } from './mapper.js';
import { fixtureFrames, frameContext } from '../test-support.js';
import type { MapResult } from '../mapper.js';

const RECV = 1786538761000;
const frames = fixtureFrames('okx.jsonl');

function recordsOf(result: MapResult) {
  assert.equal(result.kind, 'records');
  return result.kind === 'records' ? result.records : [];
}

test('okx candle: vol is base, volCcy is quote, trade_count null, confirm "1" closes, string ms open time', () => {
  const push =
    '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1786538760000","64040.2","64040.2","64025.7","64033.5","2.16787395","138825.265446816","138825.265446816","0"]]}';
  const [mapped] = recordsOf(okxMapper.map(push, frameContext(RECV)));
  assert.deepEqual(mapped, {
    channel: 'kline',
    record: {
      exchange: 'okx',
      symbol: 'BTCUSDT',
      interval: '1m',
      open_time: 1786538760000,
      close_time: 1786538819999,
      open: '64040.2',
      high: '64040.2',
      low: '64025.7',
      close: '64033.5',
      volume: '2.16787395',
      quote_volume: '138825.265446816',
      trade_count: null,
      is_closed: false,
      event_time: RECV,
      recv_time: RECV,
    },
  });
  const [closed] = recordsOf(
    okxMapper.map(
      push.replace('"0"]]', '"1"]]').replace('candle1m', 'candle1Dutc').replace('1786538760000', '1786492800000'),
      frameContext(RECV),
    ),
  );
  assert.equal(closed?.channel === 'kline' && closed.record.is_closed, true);
  assert.equal(closed?.channel === 'kline' && closed.record.interval, '1d');
});

test('okx plain candle1D (opens 16:00 UTC) is not our 1d and is rejected as an unknown channel', () => {
  const candle1D = frames.find((f) => f.startsWith('{"arg":{"channel":"candle1D"'))!;
  assert.deepEqual(okxMapper.map(candle1D, frameContext(RECV)), {
    kind: 'rejected',
    reason: 'unknown_channel',
    detail: 'candle channel candle1D',
  });
});

test('okx tickers: vol24h base, volCcy24h quote, no trade count', () => {
  const [mapped] = recordsOf(
    okxMapper.map(
      frames.find((f) => f.includes('"tickers"') && f.includes('data'))!,
      frameContext(RECV),
    ),
  );
  assert.deepEqual(mapped, {
    channel: 'ticker',
    record: {
      exchange: 'okx',
      symbol: 'BTCUSDT',
      last_price: '9999.99',
      last_quantity: '0.1',
      best_bid_price: '8888.88',
      best_bid_quantity: '5',
      best_ask_price: '9999.99',
      best_ask_quantity: '11',
      open_24h: '9000',
      high_24h: '10000',
      low_24h: '8888.88',
      volume_24h: '2222',
      quote_volume_24h: '2222',
      trade_count_24h: null,
      event_time: 1597026383085,
      recv_time: RECV,
    },
  });
});

test('okx trades: every trade of a frame', () => {
  const frame =
    '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897"},{"instId":"BTC-USDT","tradeId":"2","px":"42219.8","sz":"0.5","side":"sell","ts":"1630048897898"}]}';
  const mapped = recordsOf(okxMapper.map(frame, frameContext(RECV)));
  assert.deepEqual(
    mapped.map((m) => m.record),
    [
      {
        exchange: 'okx',
        symbol: 'BTCUSDT',
        trade_id: '1',
        price: '42219.9',
        quantity: '0.12060306',
        taker_side: 'buy',
        trade_time: 1630048897897,
        event_time: 1630048897897,
        recv_time: RECV,
      },
      {
        exchange: 'okx',
        symbol: 'BTCUSDT',
        trade_id: '2',
        price: '42219.8',
        quantity: '0.5',
        taker_side: 'sell',
        trade_time: 1630048897898,
        event_time: 1630048897898,
        recv_time: RECV,
      },
    ],
  );
});

test('okx books5: [px, sz, "0", orders] levels become [px, sz]; seqId is the update id', () => {
  const frame =
    '{"arg":{"channel":"books5","instId":"BTC-USDT"},"data":[{"asks":[["8446","95","0","3"],["8447","1.50","0","1"]],"bids":[["8445.9","1","0","2"]],"instId":"BTC-USDT","ts":"1597026383085","seqId":123456}]}';
  const [mapped] = recordsOf(okxMapper.map(frame, frameContext(RECV)));
  assert.deepEqual(mapped, {
    channel: 'depth',
    record: {
      exchange: 'okx',
      symbol: 'BTCUSDT',
      bids: [['8445.9', '1']],
      asks: [
        ['8446', '95'],
        ['8447', '1.50'],
      ],
      update_id: '123456',
      event_time: 1597026383085,
      recv_time: RECV,
    },
  });
});

test('okx control frames (acks, errors, pong) are skipped', () => {
  for (const frame of ['pong', frames[0]!, frames.find((f) => f.includes('"event":"error"'))!, '{"event":"notice","code":"64008"}']) {
    assert.equal(okxMapper.map(frame, frameContext(RECV)).kind, 'control', frame);
  }
});

test('okx captured frames: tickers and trades map exactly, full-book "books" is not our channel', () => {
  const captured = fixtureFrames('captured/okx.jsonl').map((f) => okxMapper.map(f, frameContext(RECV)));
  const tickers = captured.flatMap((r) => (r.kind === 'records' ? r.records.filter((m) => m.channel === 'ticker') : []));
  const trades = captured.flatMap((r) => (r.kind === 'records' ? r.records.filter((m) => m.channel === 'trade') : []));
  assert.equal(tickers.length, 25);
  assert.ok(trades.length >= 69);
  assert.deepEqual(tickers[0]?.record, {
    exchange: 'okx',
    symbol: 'BTCUSDT',
    last_price: '30236',
    last_quantity: '0.0002',
    best_bid_price: '30228.6',
    best_bid_quantity: '0.23393',
    best_ask_price: '30228.7',
    best_ask_quantity: '1.55896972',
    open_24h: '29700.4',
    high_24h: '31073',
    low_24h: '28020.3',
    volume_24h: '17602.13085371',
    quote_volume_24h: '525802090.62716611',
    trade_count_24h: null,
    event_time: 1652459224956,
    recv_time: RECV,
  });
  assert.deepEqual(trades[0]?.record, {
    exchange: 'okx',
    symbol: 'BTCUSDT',
    trade_id: '338476307',
    price: '30236',
    quantity: '0.0002',
    taker_side: 'buy',
    trade_time: 1652459224818,
    event_time: 1652459224818,
    recv_time: RECV,
  });
  assert.equal(captured.filter((r) => r.kind === 'control').length, 6);
  assert.equal(captured.filter((r) => r.kind === 'rejected' && r.reason === 'unknown_channel').length, 98);
});
