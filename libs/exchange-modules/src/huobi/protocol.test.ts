import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parseSymbol } from '@klineflow/exchanges';
import { FrameDecodeError } from '../protocol.js';
import { classifyHuobiFrame, huobiProtocol, MAX_INFLATED_BYTES } from './protocol.js';

/** Lines of a file in the repository's fixtures/ (see fixtures/SOURCES.md). */
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
const btc = { ...parseSymbol('btcusdt'), native: 'btcusdt' };

test('stream keys are HTX topics', () => {
  assert.equal(huobiProtocol.streamKey(btc, 'kline', '1m'), 'market.btcusdt.kline.1min');
  assert.equal(huobiProtocol.streamKey(btc, 'kline', '1h'), 'market.btcusdt.kline.60min');
  assert.equal(huobiProtocol.streamKey(btc, 'ticker'), 'market.btcusdt.ticker');
  assert.equal(huobiProtocol.streamKey(btc, 'depth'), 'market.btcusdt.depth.step0');
  assert.equal(huobiProtocol.streamKey(btc, 'trade'), 'market.btcusdt.trade.detail');
});

test('gzip frames inflate to the exact text; the key is the ch topic', () => {
  const pushes = [...fixture('huobi.jsonl'), ...fixture('captured/huobi.jsonl')].filter((l) => l.startsWith('{"ch"'));
  assert.ok(pushes.length >= 4);
  for (const line of pushes) {
    const text = huobiProtocol.decode(gzipSync(line), true);
    assert.equal(text, line, 'byte-exact, literals untouched');
    assert.deepEqual(classifyHuobiFrame(text), { kind: 'data', key: (JSON.parse(line) as { ch: string }).ch });
  }
});

test('a decompression bomb is rejected without being expanded; garbage is a corrupt frame', () => {
  const bomb = gzipSync(Buffer.alloc(MAX_INFLATED_BYTES * 4, 0x20));
  assert.ok(bomb.length < 100_000, 'small on the wire');
  const heapBefore = process.memoryUsage().arrayBuffers;
  assert.throws(
    () => huobiProtocol.decode(bomb, true),
    (e: unknown) => e instanceof FrameDecodeError && e.reason === 'decompression_bomb',
  );
  assert.ok(process.memoryUsage().arrayBuffers - heapBefore < MAX_INFLATED_BYTES * 2, 'never inflated in full');
  assert.throws(
    () => huobiProtocol.decode(Buffer.from('not gzip'), true),
    (e: unknown) => e instanceof FrameDecodeError && e.reason === 'corrupt_frame',
  );
});

test('ping is answered with a pong echoing the literal timestamp', () => {
  assert.deepEqual(classifyHuobiFrame('{"ping":1492420473027}'), { kind: 'ping', reply: '{"pong":1492420473027}' });
  assert.deepEqual(classifyHuobiFrame('{"ping":123456789012345678901}'), { kind: 'ping', reply: '{"pong":123456789012345678901}' });
});

test('sub acks, errors and history replies are recognised', () => {
  assert.deepEqual(classifyHuobiFrame(fixture('huobi.jsonl')[0]!), { kind: 'ack', id: 'id1', keys: ['market.btcusdt.kline.1min'] });
  const reply = fixture('huobi.jsonl').find((l) => l.includes('"rep"'))!;
  assert.deepEqual(classifyHuobiFrame(reply), { kind: 'response', id: 'id10' });
  assert.deepEqual(classifyHuobiFrame('{"status":"error","err-code":"bad-request","err-msg":"invalid topic x","id":"7"}'), {
    kind: 'error',
    id: '7',
    detail: 'bad-request invalid topic x',
  });
});

test('one sub per topic, each with its own id', () => {
  let id = 0;
  const requests = huobiProtocol.subscribeRequests(['market.btcusdt.kline.1min', 'market.btcusdt.ticker'], () => ++id);
  assert.deepEqual(
    requests.map((r) => JSON.parse(r.text)),
    [
      { sub: 'market.btcusdt.kline.1min', id: '1' },
      { sub: 'market.btcusdt.ticker', id: '2' },
    ],
  );
});

test('history requests are in seconds, at most 300 bars, paced above the 100 ms limit; throttling is retried, refusals are final', () => {
  const codec = huobiProtocol.backfill!;
  assert.equal(codec.maxBarsPerRequest, 300);
  assert.ok(codec.minRequestSpacingMs > 100 && codec.minRequestSpacingMs < 200);
  const request = JSON.parse(
    codec.buildRequest({ symbol: btc, interval: '1m', startMs: 1_629_380_040_000, endMs: 1_629_380_040_000 + 299 * 60_000 }, 'bf3'),
  ) as Record<string, unknown>;
  assert.deepEqual(request, { req: 'market.btcusdt.kline.1min', id: 'bf3', from: 1_629_380_040, to: 1_629_380_040 + 299 * 60 + 59 });
  const reply = fixture('huobi.jsonl').find((l) => l.includes('"rep"'))!;
  assert.deepEqual(codec.parseReply(reply), { kind: 'ok', bars: 1 });
  assert.equal(codec.parseReply('{"status":"error","err-code":"invalid-parameter","err-msg":"bad","id":"1"}').kind, 'failed');
  assert.equal(
    codec.parseReply('{"status":"error","err-code":"bad-request","err-msg":"too many requests: at most one req per 100 ms","id":"1"}').kind,
    'retry',
  );
});
