import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binanceMapper } from './mapper.js';
import { fixtureFrames, frameContext } from '../test-support.js';
import type { MapResult } from '../mapper.js';

const RECV = 1672515782140;
const [klineFrame, tickerFrame, depthFrame, tradeFrame] = fixtureFrames('binance.jsonl') as [string, string, string, string];

function only(result: MapResult) {
  assert.equal(result.kind, 'records');
  if (result.kind !== 'records') throw new Error('unreachable');
  assert.equal(result.records.length, 1);
  return result.records[0]!;
}

test('binance kline: every field, v is base and q is quote, k.x is the closed flag', () => {
  const mapped = only(binanceMapper.map(klineFrame, frameContext(RECV)));
  assert.equal(mapped.channel, 'kline');
  assert.deepEqual(mapped.record, {
    exchange: 'binance',
    symbol: 'BNBBTC',
    interval: '1m',
    open_time: 1672515780000,
    close_time: 1672515839999,
    open: '0.0010',
    high: '0.0025',
    low: '0.0015',
    close: '0.0020',
    volume: '1000',
    quote_volume: '1.0000',
    trade_count: 100,
    is_closed: false,
    event_time: 1672515782136,
    recv_time: RECV,
  });
  const closed = only(binanceMapper.map(klineFrame.replace('"x":false', '"x":true'), frameContext(RECV)));
  assert.equal(closed.channel === 'kline' && closed.record.is_closed, true);
});

test('binance 24hrTicker', () => {
  const mapped = only(binanceMapper.map(tickerFrame, frameContext(RECV)));
  assert.deepEqual(mapped, {
    channel: 'ticker',
    record: {
      exchange: 'binance',
      symbol: 'BNBBTC',
      last_price: '0.0025',
      last_quantity: '10',
      best_bid_price: '0.0024',
      best_bid_quantity: '10',
      best_ask_price: '0.0026',
      best_ask_quantity: '100',
      open_24h: '0.0010',
      high_24h: '0.0025',
      low_24h: '0.0010',
      volume_24h: '10000',
      quote_volume_24h: '18',
      trade_count_24h: 18151,
      event_time: 1672515782136,
      recv_time: RECV,
    },
  });
});

test('binance depth20 takes its symbol from the stream name', () => {
  const mapped = only(binanceMapper.map(depthFrame, frameContext(RECV)));
  assert.deepEqual(mapped, {
    channel: 'depth',
    record: {
      exchange: 'binance',
      symbol: 'BNBBTC',
      bids: [['0.0024', '10']],
      asks: [['0.0026', '100']],
      update_id: '160',
      event_time: RECV,
      recv_time: RECV,
    },
  });
});

test('binance trade: m (buyer is maker) means the taker sold', () => {
  const mapped = only(binanceMapper.map(tradeFrame, frameContext(RECV)));
  assert.deepEqual(mapped, {
    channel: 'trade',
    record: {
      exchange: 'binance',
      symbol: 'BNBBTC',
      trade_id: '12345',
      price: '0.001',
      quantity: '100',
      taker_side: 'sell',
      trade_time: 1672515782136,
      event_time: 1672515782136,
      recv_time: RECV,
    },
  });
  const buy = only(binanceMapper.map(tradeFrame.replace('"m":true', '"m":false'), frameContext(RECV)));
  assert.equal(buy.channel === 'trade' && buy.record.taker_side, 'buy');
});

test('binance WS-API klines response is backfill: symbol and interval from the headers, event_time = exchange clock at receipt', () => {
  const response = fixtureFrames('binance-wsapi.jsonl')[1] as string;
  const backfill = { symbol: 'BNBBTC', interval: '1h' as const };
  const after = frameContext(RECV, { backfill, exchangeNow: () => 1655974800000 });
  const mapped = only(binanceMapper.map(response, after));
  assert.deepEqual(mapped.record, {
    exchange: 'binance',
    symbol: 'BNBBTC',
    interval: '1h',
    open_time: 1655971200000,
    close_time: 1655974799999,
    open: '0.01086000',
    high: '0.01086600',
    low: '0.01083600',
    close: '0.01083800',
    volume: '2290.53800000',
    quote_volume: '24.85074442',
    trade_count: 2283,
    is_closed: true,
    event_time: RECV,
    recv_time: RECV,
  });
  // The last row may still be forming on the exchange clock.
  const during = only(binanceMapper.map(response, frameContext(RECV, { backfill, exchangeNow: () => 1655974799998 })));
  assert.equal(during.channel === 'kline' && during.record.is_closed, false);
  assert.equal(binanceMapper.map('{"id":"x","status":429,"error":{"code":-1003},"retryAfter":1}', after).kind, 'control');
  // An exchange clock ahead of ours (the sped-up simulator) still makes the backfilled version the newest.
  const ahead = only(binanceMapper.map(response, frameContext(RECV, { backfill, exchangeNow: () => RECV + 3_600_000 })));
  assert.equal(ahead.channel === 'kline' && ahead.record.event_time, RECV + 3_600_000);
});

test('binance control frames are skipped, other streams are unknown channels, garbage is unparseable', () => {
  assert.equal(binanceMapper.map('{"result":null,"id":1}', frameContext(RECV)).kind, 'control');
  assert.equal(
    binanceMapper.map('{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2}', frameContext(RECV)).kind,
    'control',
  );
  assert.deepEqual(binanceMapper.map('{"stream":"x@aggTrade","data":{"e":"aggTrade"}}', frameContext(RECV)), {
    kind: 'rejected',
    reason: 'unknown_channel',
    detail: 'event aggTrade on stream x@aggTrade',
  });
  assert.equal((binanceMapper.map('{"stream":', frameContext(RECV)) as { reason: string }).reason, 'unparseable');
});

test('binance captured frames: closed-flag klines map exactly; diff-depth and bookTicker are not our channels', () => {
  const frames = fixtureFrames('captured/binance.jsonl');
  const klines = frames.filter((f) => f.includes('@kline_1m')).map((f) => only(binanceMapper.map(f, frameContext(RECV))).record);
  assert.equal(klines.length, 2);
  assert.deepEqual(klines[0], {
    exchange: 'binance',
    symbol: 'NKNUSDT',
    interval: '1m',
    open_time: 1633998480000,
    close_time: 1633998539999,
    open: '0.35270000',
    high: '0.35280000',
    low: '0.35220000',
    close: '0.35280000',
    volume: '25877.00000000',
    quote_volume: '9116.04600000',
    trade_count: 30,
    is_closed: false,
    event_time: 1633998523963,
    recv_time: RECV,
  });
  const others = frames.filter((f) => !f.includes('@kline_1m')).map((f) => binanceMapper.map(f, frameContext(RECV)));
  assert.ok(others.length > 200);
  assert.ok(others.every((r) => r.kind === 'rejected' && r.reason === 'unknown_channel'));
});
