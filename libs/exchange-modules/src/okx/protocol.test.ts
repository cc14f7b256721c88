import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseSymbol } from '@klineflow/exchanges';
import { classifyOkxFrame, okxProtocol } from './protocol.js';

/** Lines of a file in the repository's fixtures/ (see fixtures/SOURCES.md). */
const fixture = (name: string) =>
  readFileSync(new URL(`../../../../fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean);
const btc = { ...parseSymbol('BTC-USDT'), native: 'BTC-USDT' };

test('stream keys are channel:instId, candles on the business endpoint', () => {
  assert.equal(okxProtocol.streamKey(btc, 'kline', '1m'), 'candle1m:BTC-USDT');
  assert.equal(okxProtocol.streamKey(btc, 'kline', '1d'), 'candle1Dutc:BTC-USDT');
  assert.equal(okxProtocol.streamKey(btc, 'ticker'), 'tickers:BTC-USDT');
  assert.equal(okxProtocol.streamKey(btc, 'depth'), 'books5:BTC-USDT');
  assert.equal(okxProtocol.streamKey(btc, 'trade'), 'trades:BTC-USDT');
  assert.equal(okxProtocol.endpointOf('kline'), 'apiUrl');
  assert.equal(okxProtocol.endpointOf('ticker'), 'url');
});

test('the key of every fixture push comes from its arg, found without parsing the frame', () => {
  const pushes = [...fixture('okx.jsonl'), ...fixture('captured/okx.jsonl')].filter((line) => line.startsWith('{"arg"'));
  assert.ok(pushes.length >= 3);
  for (const line of pushes) {
    const { arg } = JSON.parse(line) as { arg: { channel: string; instId: string } };
    assert.deepEqual(classifyOkxFrame(line), { kind: 'data', key: `${arg.channel}:${arg.instId}` });
  }
});

test('acks name their stream; errors, pong and the 64008 upgrade notice are recognised', () => {
  const [ack] = fixture('okx.jsonl');
  assert.deepEqual(classifyOkxFrame(ack!), { kind: 'ack', id: '1512', keys: ['candle1D:BTC-USDT'] });
  const error = fixture('okx.jsonl').find((l) => l.includes('60018'))!;
  const classified = classifyOkxFrame(error);
  assert.equal(classified.kind, 'error');
  assert.ok(classified.kind === 'error' && classified.detail.startsWith('60018'));
  assert.deepEqual(classifyOkxFrame('pong'), { kind: 'pong' });
  assert.deepEqual(classifyOkxFrame('{"event":"notice","code":"64008","msg":"upgrade","connId":"a"}'), {
    kind: 'rotate',
    trigger: 'upgrade_notice',
  });
  assert.deepEqual(classifyOkxFrame('{"event":"notice","code":"99999"}'), { kind: 'unknown' });
});

test('keepalive and liveness probe: the text ping OKX answers with the text pong', () => {
  assert.equal(okxProtocol.clientPing, 'ping');
  assert.deepEqual(classifyOkxFrame('pong'), { kind: 'pong' });
});

test('subscribe args are split so each request stays within 64 KB', () => {
  const keys = Array.from({ length: 3000 }, (_, i) => `candle15m:SYMBOLNUMBER${i}-USDT`);
  let id = 0;
  const requests = okxProtocol.subscribeRequests(keys, () => ++id);
  assert.ok(requests.length > 1);
  for (const request of requests) {
    const parsed = JSON.parse(request.text) as { op: string; args: Array<{ channel: string; instId: string }> };
    assert.equal(parsed.op, 'subscribe');
    assert.ok(Buffer.byteLength(JSON.stringify(parsed.args)) <= 65_536, `${Buffer.byteLength(request.text)} bytes`);
    assert.ok(parsed.args.length <= 480);
    assert.deepEqual(
      parsed.args.map((a) => `${a.channel}:${a.instId}`),
      request.keys,
    );
  }
  assert.deepEqual(
    requests.flatMap((r) => r.keys),
    keys,
  );
  assert.equal(okxProtocol.maxSubscribeRequestsPerHour, 480);
  assert.equal(okxProtocol.backfill, undefined, 'OKX has no WebSocket history');
});
