import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, TestClient } from '../test-support.js';
import type { Simulator, SimPorts } from '../simulator.js';

type KlineEvent = {
  e: string;
  E: number;
  s: string;
  k: { t: number; T: number; i: string; o: string; h: string; l: string; c: string; v: string; q: string; n: number; x: boolean };
};
type Combined<T> = { stream: string; data: T };

let sim: Simulator;
let ports: SimPorts;
let stop: () => Promise<void>;

before(async () => {
  // Speed 600: a 1m bar closes every 100 ms of real time.
  ({ sim, ports, stop } = await startSim({
    speed: 600,
    updateIntervalMs: 50,
    binancePingIntervalMs: 150,
    binancePongTimeoutMs: 400,
    apiWeightLimit: 6,
    unknownSymbols: new Set(['DEADUSDT']),
  }));
});
after(() => stop());

const streamUrl = (path: string) => `ws://127.0.0.1:${ports.binance}${path}`;

test('SUBSCRIBE, LIST_SUBSCRIPTIONS and UNSUBSCRIBE get the documented replies; a bad stream name gets error code 2', async () => {
  const client = await TestClient.open(streamUrl('/ws'));
  client.send({ method: 'SUBSCRIBE', params: ['btcusdt@kline_1m', 'ethusdt@ticker'], id: 1 });
  assert.deepEqual(await client.next('subscribe reply', (m) => m.id === 1), { result: null, id: 1 });
  client.send({ method: 'LIST_SUBSCRIPTIONS', id: 3 });
  assert.deepEqual(await client.next('list reply', (m) => m.id === 3), { result: ['btcusdt@kline_1m', 'ethusdt@ticker'], id: 3 });
  client.send({ method: 'SUBSCRIBE', params: ['BTCUSDT@kline_1m'], id: 2 });
  assert.deepEqual(await client.next('error reply', (m) => m.id === 2), {
    error: { code: 2, msg: 'Invalid request: invalid stream' },
    id: 2,
  });
  // Raw /ws connections get bare events, not the combined wrapper.
  const kline = await client.next<KlineEvent>('a bare kline event', (m) => m.e === 'kline');
  assert.equal(kline.s, 'BTCUSDT');
  client.close();
});

test('combined streams: every 1m bar is pushed open (x:false) and then final (x:true) at its virtual close, as recorded', async () => {
  const client = await TestClient.open(streamUrl('/stream?streams=btcusdt@kline_1m/ethusdt@trade/ethusdt@depth20@100ms'));
  // The first bar may close right after the subscription: take one whose open updates were seen too.
  const openSeen = (t: number) => client.frames.some((f) => f.includes(`"t":${t},`) && f.includes('"x":false'));
  const final = await client.next<Combined<KlineEvent>>(
    'a final kline',
    (m) => m.stream === 'btcusdt@kline_1m' && m.data.k.x && openSeen(m.data.k.t),
    3000,
  );
  const k = final.data.k;
  assert.equal(k.T, k.t + 59_999);
  assert.match(k.o, /^\d+\.\d{8}$/, 'Binance writes 8 decimals');
  for (const price of [k.o, k.c]) assert.ok(Number(k.l) <= Number(price) && Number(price) <= Number(k.h), `low <= ${price} <= high`);
  assert.notEqual(k.v, k.q, 'base and quote volume differ');
  const vwap = Number(k.q) / Number(k.v);
  assert.ok(vwap >= Number(k.l) * 0.999 && vwap <= Number(k.h) * 1.001, 'quote volume = base volume × a price inside the bar');
  const updates = client.frames
    .map((f) => JSON.parse(f) as Combined<KlineEvent>)
    .filter((m) => m.stream === 'btcusdt@kline_1m' && m.data.k.t === k.t);
  assert.ok(
    updates.some((u) => !u.data.k.x),
    'open updates came before the final one',
  );
  // The next bar starts where this one closed.
  const next = await client.next<Combined<KlineEvent>>(
    'the next bar',
    (m) => m.stream === 'btcusdt@kline_1m' && m.data.k.t === k.t + 60_000,
  );
  assert.equal(next.data.k.o, k.c);
  await client.next('a trade', (m: Combined<{ e: string; t: number }>) => m.stream === 'ethusdt@trade' && m.data.e === 'trade');
  const depth = await client.next<Combined<{ lastUpdateId: number; bids: string[][]; asks: string[][] }>>(
    'a depth snapshot',
    (m) => m.stream === 'ethusdt@depth20@100ms',
  );
  assert.equal(depth.data.bids.length, 20);
  assert.ok(Number(depth.data.bids[0]![0]) < Number(depth.data.asks[0]![0]), 'the book is not crossed');

  const recorded = sim.ctx.recorders.binance.bars().find((b) => b.symbol === 'BTCUSDT' && b.interval === '1m' && b.open_time === k.t);
  assert.deepEqual(
    recorded && [recorded.open, recorded.high, recorded.low, recorded.close, recorded.volume, recorded.quote_volume, recorded.trade_count],
    [k.o, k.h, k.l, k.c, k.v, k.q, k.n],
    'the closed-bar record holds exactly the pushed final values',
  );
  client.close();
});

test('an unknown symbol is acknowledged but never delivers data', async () => {
  const client = await TestClient.open(streamUrl('/ws'));
  client.send({ method: 'SUBSCRIBE', params: ['deadusdt@kline_1m', 'solusdt@kline_1m'], id: 7 });
  assert.deepEqual(await client.next('ack', (m) => m.id === 7), { result: null, id: 7 });
  // Wait until the known symbol has closed a bar: by then the unknown one would have delivered too.
  await client.next<KlineEvent>('a SOLUSDT final', (m) => m.s === 'SOLUSDT' && m.k?.x === true, 3000);
  assert.equal(client.frames.filter((f) => f.includes('DEADUSDT')).length, 0);
  client.close();
});

test('a SUBSCRIBE beyond 1024 streams is refused and the connection closed', async () => {
  const client = await TestClient.open(streamUrl('/ws'));
  const params = Array.from({ length: 1025 }, (_, i) => `sym${i}usdt@trade`);
  client.send({ method: 'SUBSCRIBE', params, id: 9 });
  const reply = await client.next<{ error?: { code: number } }>('error reply', (m) => m.id === 9);
  assert.equal(reply.error?.code, 2);
  assert.equal(await client.closed(), 1008);
});

test('more than 5 incoming messages in a second close the connection', async () => {
  const client = await TestClient.open(streamUrl('/ws'));
  for (let i = 0; i < 5; i++) client.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
  await client.next('fifth reply', (m) => m.id === 4);
  assert.equal(client.closeCode, undefined, 'five messages are allowed');
  client.send({ method: 'LIST_SUBSCRIPTIONS', id: 5 });
  assert.equal(await client.closed(), 1008);
});

test('the server pings; a client that never pongs is closed, one that does stays', async () => {
  const silent = await TestClient.open(streamUrl('/ws'), { autoPong: false });
  const polite = await TestClient.open(streamUrl('/ws'));
  let pings = 0;
  polite.ws.on('ping', () => pings++);
  assert.equal(await silent.closed(3000), 1008);
  assert.ok(pings >= 2, `the polite client was pinged (${pings})`);
  assert.equal(polite.closeCode, undefined);
  polite.close();
});

test('WS-API klines: final values equal the live stream, bad symbol 400, then 429 and 418', async () => {
  const live = await TestClient.open(streamUrl('/ws/xrpusdt@kline_1m'));
  const final = (await live.next<KlineEvent>('a final bar', (m) => m.k?.x === true, 3000)).k;
  live.close();
  const api = await TestClient.open(`ws://127.0.0.1:${ports.binanceApi}/ws-api/v3`);
  // The weight budget is per wall-clock minute, as on Binance: the requests below must share one.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50));
  api.send({ id: 'a', method: 'klines', params: { symbol: 'XRPUSDT', interval: '1m', startTime: final.t, limit: 3 } });
  const reply = await api.next<{ status: number; result: unknown[][]; rateLimits: { count: number; limit: number }[] }>(
    'klines reply',
    (m) => m.id === 'a',
  );
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.result[0], [
    final.t,
    final.o,
    final.h,
    final.l,
    final.c,
    final.v,
    final.T,
    final.q,
    final.n,
    reply.result[0]![9],
    reply.result[0]![10],
    '0',
  ]);
  assert.deepEqual(reply.rateLimits[0], { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6, count: 2 });

  api.send({ id: 'b', method: 'klines', params: { symbol: 'DEADUSDT', interval: '1m' } });
  assert.deepEqual((await api.next<{ status: number; error: object }>('invalid symbol', (m) => m.id === 'b')).error, {
    code: -1121,
    msg: 'Invalid symbol.',
  });
  // Budget 6 = three requests of weight 2; the fourth is refused with retryAfter, the fifth bans.
  api.send({ id: 'c', method: 'klines', params: { symbol: 'XRPUSDT', interval: '5m', limit: 1000 } });
  const full = await api.next<{ status: number; result: unknown[][] }>('third', (m) => m.id === 'c');
  assert.equal(full.result.length, 1000);
  api.send({ id: 'd', method: 'klines', params: { symbol: 'XRPUSDT', interval: '1m' } });
  const limited = await api.next<{ status: number; error: { data: { retryAfter: number } } }>('429', (m) => m.id === 'd');
  assert.equal(limited.status, 429);
  assert.ok(limited.error.data.retryAfter > Date.now());
  api.send({ id: 'e', method: 'klines', params: { symbol: 'XRPUSDT', interval: '1m' } });
  assert.equal((await api.next<{ status: number }>('418', (m) => m.id === 'e')).status, 418);
  api.close();
});

test('connections older than max_connection_age are closed by the server', async () => {
  const { ports: p, stop: stopShortLived } = await startSim({ binanceMaxConnectionAgeMs: 200 });
  const client = await TestClient.open(`ws://127.0.0.1:${p.binance}/ws`);
  const openedAt = Date.now();
  assert.equal(await client.closed(2000), 1001);
  assert.ok(Date.now() - openedAt >= 190);
  await stopShortLived();
});
