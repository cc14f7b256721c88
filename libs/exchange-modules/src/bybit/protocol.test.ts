import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSymbol } from '@klineflow/exchanges';
import { fixtureFrames } from '../test-support.js';
import { bybitProtocol, classifyBybitFrame } from './protocol.js';
import type { BybitRequest } from './wire.js';

const btc = { ...parseSymbol('BTCUSDT'), native: 'BTCUSDT' };
const frames = fixtureFrames('bybit.jsonl');

test('stream keys are Bybit topics, all on the one spot endpoint, and read back to symbol, channel and interval', () => {
  const keys = [
    bybitProtocol.streamKey(btc, 'kline', '1m'),
    bybitProtocol.streamKey(btc, 'kline', '4h'),
    bybitProtocol.streamKey(btc, 'kline', '1d'),
    bybitProtocol.streamKey(btc, 'ticker'),
    bybitProtocol.streamKey(btc, 'depth'),
    bybitProtocol.streamKey(btc, 'trade'),
  ];
  assert.deepEqual(keys, [
    'kline.1.BTCUSDT',
    'kline.240.BTCUSDT',
    'kline.D.BTCUSDT',
    'tickers.BTCUSDT',
    'orderbook.50.BTCUSDT',
    'publicTrade.BTCUSDT',
  ]);
  assert.deepEqual(
    keys.map((k) => bybitProtocol.streamOfKey(k)),
    [
      { symbol: 'BTCUSDT', channel: 'kline', interval: '1m' },
      { symbol: 'BTCUSDT', channel: 'kline', interval: '4h' },
      { symbol: 'BTCUSDT', channel: 'kline', interval: '1d' },
      { symbol: 'BTCUSDT', channel: 'ticker' },
      { symbol: 'BTCUSDT', channel: 'depth' },
      { symbol: 'BTCUSDT', channel: 'trade' },
    ],
  );
  for (const other of ['kline.3.BTCUSDT', 'kline.W.BTCUSDT', 'orderbook.1.BTCUSDT', 'tickers.btcusdt', 'c1-r0'])
    assert.equal(bybitProtocol.streamOfKey(other), undefined, other);
  assert.equal(bybitProtocol.endpointOf('kline'), 'url');
  assert.equal(bybitProtocol.backfill, undefined, 'kline history is REST-only: hot standby');
});

test('every push is data keyed by its topic, found without parsing the frame', () => {
  const pushes = frames.filter((f) => f.startsWith('{"topic"'));
  assert.equal(pushes.length, 5);
  for (const line of pushes)
    assert.deepEqual(classifyBybitFrame(line), { kind: 'data', key: (JSON.parse(line) as { topic: string }).topic });
});

test('subscribe replies ack or refuse by req_id; the ping reply is a pong; unsubscribe replies mark nothing', () => {
  assert.deepEqual(classifyBybitFrame(frames[0]!), { kind: 'ack', id: '10001' });
  assert.deepEqual(classifyBybitFrame(frames[1]!), { kind: 'pong' });
  assert.deepEqual(classifyBybitFrame(frames[7]!), {
    kind: 'error',
    id: '2',
    detail: 'error:already subscribed,topic:publicTrade.BTCUSDT',
  });
  assert.deepEqual(classifyBybitFrame('{"success":true,"ret_msg":"","conn_id":"c","req_id":"","op":"unsubscribe"}'), { kind: 'ack' });
  assert.deepEqual(classifyBybitFrame('{"success":true,"ret_msg":"pong","conn_id":"c","req_id":"","op":"ping"}'), { kind: 'pong' });
  assert.deepEqual(classifyBybitFrame('not json'), { kind: 'unknown' });
  assert.equal(bybitProtocol.clientPing, '{"op":"ping"}');
});

test('subscribes carry at most 10 args, each after an unsubscribe of the same args (Bybit refuses a duplicate subscribe)', () => {
  const keys = Array.from({ length: 23 }, (_, i) => `kline.1.SYM${i}USDT`);
  let id = 0;
  const requests = bybitProtocol.subscribeRequests(keys, () => ++id);
  assert.equal(requests.length, 6);
  const parsed = requests.map((r) => JSON.parse(r.text) as BybitRequest);
  assert.deepEqual(
    parsed.map((r) => r.op),
    ['unsubscribe', 'subscribe', 'unsubscribe', 'subscribe', 'unsubscribe', 'subscribe'],
  );
  assert.deepEqual(
    parsed.map((r) => r.args?.length),
    [10, 10, 10, 10, 3, 3],
  );
  assert.deepEqual(
    requests.map((r) => r.id),
    [undefined, '1', undefined, '2', undefined, '3'],
  );
  assert.deepEqual(parsed[1], { op: 'subscribe', args: keys.slice(0, 10), req_id: '1' });
  assert.deepEqual(
    requests.flatMap((r) => r.keys),
    keys,
    'only the subscribes wait for an ack',
  );
});

test('exchange time of a push is its ts, by string scan', () => {
  assert.equal(bybitProtocol.exchangeTimeOf?.(frames[3]!), 1673853746003);
});
