import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSymbol } from '@klineflow/exchanges';
import { binanceProtocol, classifyBinanceFrame } from './protocol.js';

/** Lines of a file in the repository's fixtures/ (see fixtures/SOURCES.md). */
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
const btc = { ...parseSymbol('BTCUSDT'), native: 'btcusdt' };

test('stream keys follow Binance names', () => {
  assert.equal(binanceProtocol.streamKey(btc, 'kline', '1m'), 'btcusdt@kline_1m');
  assert.equal(binanceProtocol.streamKey(btc, 'kline', '1d'), 'btcusdt@kline_1d');
  assert.equal(binanceProtocol.streamKey(btc, 'ticker'), 'btcusdt@ticker');
  assert.equal(binanceProtocol.streamKey(btc, 'depth'), 'btcusdt@depth20@100ms');
  assert.equal(binanceProtocol.streamKey(btc, 'trade'), 'btcusdt@trade');
});

test('the key of every fixture frame is its stream name, found without parsing the frame', () => {
  const keys = [...fixture('binance.jsonl'), ...fixture('captured/binance.jsonl')]
    .filter((line) => line.startsWith('{"stream"'))
    .map((line) => [classifyBinanceFrame(line), (JSON.parse(line) as { stream: string }).stream] as const);
  assert.ok(keys.length >= 4);
  for (const [frame, stream] of keys) assert.deepEqual(frame, { kind: 'data', key: stream });
});

test('acks, errors, shutdown notices and API replies are told apart', () => {
  assert.deepEqual(classifyBinanceFrame('{"result":null,"id":1}'), { kind: 'ack', id: '1' });
  assert.deepEqual(classifyBinanceFrame('{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2}'), {
    kind: 'error',
    id: '2',
    detail: '{"code":2,"msg":"Invalid request: invalid stream"}',
  });
  assert.deepEqual(classifyBinanceFrame('{"e":"serverShutdown","E":1672515782136}'), { kind: 'rotate', trigger: 'server_shutdown' });
  const [, reply] = fixture('binance-wsapi.jsonl');
  assert.deepEqual(classifyBinanceFrame(reply!), { kind: 'response', id: '1dbbeb56-8eea-466a-8f6e-86bdcfa2fc0b' });
  assert.deepEqual(classifyBinanceFrame('not json'), { kind: 'unknown' });
});

test('subscriptions are batched by the streams-per-request limit and carry ids for their acks', () => {
  const keys = Array.from({ length: 450 }, (_, i) => `s${i}usdt@kline_1m`);
  let id = 0;
  const requests = binanceProtocol.subscribeRequests(keys, () => ++id);
  assert.deepEqual(
    requests.map((r) => r.keys.length),
    [200, 200, 50],
  );
  const first = JSON.parse(requests[0]!.text) as { method: string; params: string[]; id: number };
  assert.equal(first.method, 'SUBSCRIBE');
  assert.deepEqual(first.params, keys.slice(0, 200));
  assert.equal(String(first.id), requests[0]!.id);
  assert.deepEqual(
    requests.map((r) => r.id),
    ['1', '2', '3'],
  );
});

test('connects to the combined-stream path so every event names its stream', () => {
  assert.equal(binanceProtocol.connectUrl('wss://stream.binance.com:9443'), 'wss://stream.binance.com:9443/stream');
  assert.equal(binanceProtocol.connectUrl('ws://127.0.0.1:18080/'), 'ws://127.0.0.1:18080/stream');
  assert.equal(binanceProtocol.connectUrl('ws://127.0.0.1:18080/ws'), 'ws://127.0.0.1:18080/stream');
});

test('klines backfill: paged requests, 429 waits for retryAfter, 418 stops until the ban ends', () => {
  const codec = binanceProtocol.backfill!;
  const range = { symbol: btc, interval: '1m' as const, startMs: 1_700_000_040_000, endMs: 1_700_000_040_000 + 9 * 60_000 };
  assert.deepEqual(JSON.parse(codec.buildRequest(range, 'bf1')), {
    id: 'bf1',
    method: 'klines',
    params: { symbol: 'BTCUSDT', interval: '1m', startTime: range.startMs, endTime: range.endMs, limit: 10 },
  });
  assert.equal(codec.maxBarsPerRequest, 1000);
  assert.ok(codec.minRequestSpacingMs >= 20, 'weight 2 of 6000/min: at most 3000 requests a minute');
  const [, reply] = fixture('binance-wsapi.jsonl');
  assert.deepEqual(codec.parseReply(reply!), { kind: 'ok', bars: 1 });
  const retryAt = Date.now() + 5000;
  const limited = codec.parseReply(
    JSON.stringify({ id: 'x', status: 429, error: { code: -1003, msg: 'Too much', data: { retryAfter: retryAt } } }),
  );
  assert.equal(limited.kind, 'retry');
  assert.ok(limited.kind === 'retry' && limited.afterMs > 4000 && limited.afterMs <= 5000);
  assert.deepEqual(
    codec.parseReply(JSON.stringify({ id: 'x', status: 418, error: { code: -1003, msg: 'banned', data: { retryAfter: retryAt } } })),
    { kind: 'banned', untilMs: retryAt, detail: '418 -1003 banned' },
  );
  assert.equal(codec.parseReply('{"id":"x","status":400,"error":{"code":-1121,"msg":"Invalid symbol."}}').kind, 'failed');
});
