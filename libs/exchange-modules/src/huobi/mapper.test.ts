import { test } from 'node:test';
import assert from 'node:assert/strict';
import { huobiMapper } from './mapper.js';
import { parseWithNumberLiterals } from './literal-json.js';
import { fixtureFrames, frameContext } from '../test-support.js';
import type { MapResult } from '../mapper.js';

const RECV = 1630981694400;
const frames = fixtureFrames('huobi.jsonl');
const frame = (prefix: string) => frames.find((f) => f.includes(prefix))!;

function recordsOf(result: MapResult) {
  assert.equal(result.kind, 'records');
  return result.kind === 'records' ? result.records : [];
}

test('literal-preserving parse keeps number text exactly, strings and escapes untouched', () => {
  assert.deepEqual(
    parseWithNumberLiterals('{"a":10050.00,"b":9.2E-7,"c":[-1,137005445109359290000000000],"d":"x\\"1,2","e":true,"f":null}'),
    {
      a: '10050.00',
      b: '9.2E-7',
      c: ['-1', '137005445109359290000000000'],
      d: 'x"1,2',
      e: true,
      f: null,
    },
  );
  assert.throws(() => parseWithNumberLiterals('{"a":'));
});

test('huobi kline: tick.id seconds → ms, amount is base, vol is quote, count trades, never closed by itself', () => {
  const [mapped] = recordsOf(huobiMapper.map(frame('"ch":"market.ethbtc.kline'), frameContext(RECV)));
  assert.deepEqual(mapped, {
    channel: 'kline',
    record: {
      exchange: 'huobi',
      symbol: 'ETHBTC',
      interval: '1m',
      open_time: 1630981680000,
      close_time: 1630981739999,
      open: '0.074849',
      high: '0.074849',
      low: '0.074848',
      close: '0.074848',
      volume: '2.4448',
      quote_volume: '0.1829884187',
      trade_count: 3,
      is_closed: false,
      event_time: 1630981694370,
      recv_time: RECV,
    },
  });
});

test('huobi rep history keeps literals (10050.00), bars over on the exchange clock are closed, event_time = recv_ts', () => {
  const rep = frame('"rep"');
  const [bar] = recordsOf(huobiMapper.map(rep, frameContext(RECV, { exchangeNow: () => 1494478140000 })));
  assert.deepEqual(bar?.record, {
    exchange: 'huobi',
    symbol: 'BTCUSDT',
    interval: '1m',
    open_time: 1494478080000,
    close_time: 1494478139999,
    open: '10050.00',
    high: '10058.00',
    low: '10050.00',
    close: '10058.00',
    volume: '17.4805',
    quote_volume: '175798.757708',
    trade_count: 27,
    is_closed: true,
    event_time: RECV,
    recv_time: RECV,
  });
  const [forming] = recordsOf(huobiMapper.map(rep, frameContext(RECV, { exchangeNow: () => 1494478139000 })));
  assert.equal(forming?.channel === 'kline' && forming.record.is_closed, false);
});

test('huobi ticker, depth.step0 and trade.detail (27-digit id stays exact)', () => {
  const [ticker] = recordsOf(huobiMapper.map(frame('.ticker"'), frameContext(RECV)));
  assert.deepEqual(ticker?.record, {
    exchange: 'huobi',
    symbol: 'BTCUSDT',
    last_price: '52735.63',
    last_quantity: '0.03',
    best_bid_price: '52732.88',
    best_bid_quantity: '0.036',
    best_ask_price: '52732.89',
    best_ask_quantity: '0.583653',
    open_24h: '51732',
    high_24h: '52785.64',
    low_24h: '51000',
    volume_24h: '13259.24137056181',
    quote_volume_24h: '687640987.4125315',
    trade_count_24h: 448737,
    event_time: 1630982370526,
    recv_time: RECV,
  });
  const [depth] = recordsOf(huobiMapper.map(frame('depth.step0'), frameContext(RECV)));
  assert.deepEqual(depth?.record, {
    exchange: 'huobi',
    symbol: 'BTCUSDT',
    bids: [
      ['52690.69', '0.36281'],
      ['52690.68', '0.2'],
    ],
    asks: [
      ['52690.7', '0.372591'],
      ['52691.26', '0.13'],
    ],
    update_id: '136998124622',
    event_time: 1630983549500,
    recv_time: RECV,
  });
  const [trade] = recordsOf(huobiMapper.map(frame('trade.detail'), frameContext(RECV)));
  assert.deepEqual(trade?.record, {
    exchange: 'huobi',
    symbol: 'BTCUSDT',
    trade_id: '137005445109359290000000000',
    price: '52648.62',
    quantity: '0.006754',
    taker_side: 'buy',
    trade_time: 1630994963173,
    event_time: 1630994963175,
    recv_time: RECV,
  });
});

test('huobi control frames: ping, subbed ack, error reply', () => {
  for (const f of [frame('"ping"'), frame('"subbed"'), '{"status":"error","err-code":"bad-request","err-msg":"invalid topic","id":"x"}']) {
    assert.equal(huobiMapper.map(f, frameContext(RECV)).kind, 'control', f);
  }
});

test('huobi captured frames: exponent literals (9.2E-7 style) and 188358.0 survive; depth keeps the top 20 levels', () => {
  const captured = fixtureFrames('captured/huobi.jsonl').map((f) => huobiMapper.map(f, frameContext(RECV)));
  assert.equal(captured.filter((r) => r.kind === 'control').length, 26);
  assert.ok(captured.every((r) => r.kind !== 'rejected'));
  const depth = captured.flatMap((r) => (r.kind === 'records' ? r.records : [])).filter((m) => m.channel === 'depth');
  assert.equal(depth.length, 292);
  const trio = depth[0]!.record as { symbol: string; bids: string[][]; asks: string[][] };
  assert.equal(trio.symbol, 'TRIOETH');
  assert.equal(trio.bids.length, 20);
  assert.deepEqual(trio.bids.slice(0, 5), [
    ['9.121E-7', '92730.24'],
    ['9.12E-7', '66053.68'],
    ['9.119E-7', '74838.79'],
    ['9.109E-7', '131751.58'],
    ['8.987E-7', '188358.0'],
  ]);
  const trades = captured.flatMap((r) => (r.kind === 'records' ? r.records : [])).filter((m) => m.channel === 'trade');
  assert.ok(trades.length >= 44);
  assert.ok(trades.every((t) => t.channel === 'trade' && /^[0-9]+$/.test(t.record.trade_id) && !t.record.trade_id.includes('e')));
  assert.ok(
    trades.some((t) => t.channel === 'trade' && t.record.trade_id.length >= 20),
    'long ids kept as digits',
  );
});
