import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, TestClient, waitFor } from '../test-support.js';
import type { Simulator, SimPorts } from '../simulator.js';

let sim: Simulator;
let ports: SimPorts;
let stop: () => Promise<void>;

before(async () => {
  ({ sim, ports, stop } = await startSim({ speed: 600, updateIntervalMs: 50, okxIdleTimeoutMs: 400 }));
});
after(() => stop());

const url = (endpoint: 'public' | 'business') => `ws://127.0.0.1:${ports.okx}/ws/v5/${endpoint}`;
type Push = { arg: { channel: string; instId: string }; data: string[][] };

test('subscribe acks one reply per arg with an 8-hex connId; candles on public get 60018; unknown channels 60012', async () => {
  const pub = await TestClient.open(url('public'));
  pub.send({
    id: '1',
    op: 'subscribe',
    args: [
      { channel: 'tickers', instId: 'BTC-USDT' },
      { channel: 'books5', instId: 'ETH-USDT' },
    ],
  });
  await pub.next('two acks', () => pub.frames.filter((f) => f.includes('"event":"subscribe"')).length === 2);
  const ack = JSON.parse(pub.frames[0]!) as Record<string, unknown>;
  assert.deepEqual(
    { ...ack, connId: undefined },
    { id: '1', event: 'subscribe', arg: { channel: 'tickers', instId: 'BTC-USDT' }, connId: undefined },
  );
  assert.match(ack.connId as string, /^[0-9a-f]{8}$/);
  pub.send({ id: '2', op: 'subscribe', args: [{ channel: 'candle1m', instId: 'BTC-USDT' }] });
  const wrongUrl = await pub.next<Record<string, string>>('60018', (m) => m.id === '2');
  assert.equal(wrongUrl.event, 'error');
  assert.equal(wrongUrl.code, '60018');
  assert.match(wrongUrl.msg!, /^Wrong URL or channel:candle1m,instId:BTC-USDT/);
  pub.send({ id: '3', op: 'subscribe', args: [{ channel: 'nosuch', instId: 'BTC-USDT' }] });
  assert.equal((await pub.next<Record<string, string>>('60012', (m) => m.id === '3')).code, '60012');
  const book = await pub.next<{ data: { asks: string[][]; seqId: number }[] }>(
    'books5',
    (m) => (m.arg as Push['arg'] | undefined)?.channel === 'books5' && Array.isArray(m.data),
  );
  assert.equal(book.data[0]!.asks.length, 5);
  pub.close();
});

test('text ping gets text pong; a connection silent for the idle timeout is closed with 4004', async () => {
  const client = await TestClient.open(url('public'));
  client.send('ping');
  await waitFor('pong', 2000, () => (client.frames.includes('pong') ? true : undefined));
  const quietSince = Date.now();
  assert.equal(await client.closed(2000), 4004);
  assert.ok(Date.now() - quietSince >= 350);
});

test('candles: open pushes with confirm "0", then "1" at the virtual close, values equal the closed-bar record', async () => {
  const client = await TestClient.open(url('business'));
  const keepAlive = setInterval(() => client.send('ping'), 100);
  client.send({
    id: 'c',
    op: 'subscribe',
    args: [
      { channel: 'candle1m', instId: 'SOL-USDT' },
      { channel: 'candle1Dutc', instId: 'SOL-USDT' },
      { channel: 'candle1D', instId: 'SOL-USDT' },
    ],
  });
  // The bar open at subscription may close before any open update; the next one is watched from its start.
  const first = await client.next<Push>('a candle1m push', (m) => m.arg?.channel === 'candle1m' && Array.isArray(m.data), 3000);
  const closed = await client.next<Push>(
    'a confirmed candle watched from its start',
    (m) => m.arg?.channel === 'candle1m' && m.data?.[0]?.[8] === '1' && Number(m.data[0]![0]) > Number(first.data[0]![0]),
    5000,
  );
  const row = closed.data[0]!;
  const before = client.frames
    .map((f) => (f.startsWith('{') ? (JSON.parse(f) as Partial<Push>) : {}))
    .filter((m) => m.arg?.channel === 'candle1m' && m.data?.[0]?.[0] === row[0]);
  assert.ok(
    before.some((m) => m.data![0]![8] === '0'),
    'open updates first',
  );
  const recorded = sim.ctx.recorders.okx
    .bars()
    .find((b) => b.symbol === 'SOLUSDT' && b.interval === '1m' && b.open_time === Number(row[0]))!;
  assert.deepEqual(row.slice(1, 7), [recorded.open, recorded.high, recorded.low, recorded.close, recorded.volume, recorded.quote_volume]);
  assert.equal(recorded.trade_count, null);
  assert.notEqual(row[5], row[6], 'vol (base) and volCcy (quote) differ');
  const utcDay = await client.next<Push>('a candle1Dutc push', (m) => m.arg?.channel === 'candle1Dutc' && Array.isArray(m.data));
  const hkDay = await client.next<Push>('a candle1D push', (m) => m.arg?.channel === 'candle1D' && Array.isArray(m.data));
  assert.equal(Number(utcDay.data[0]![0]) % 86_400_000, 0, 'candle1Dutc opens at 00:00 UTC');
  assert.equal(Number(hkDay.data[0]![0]) % 86_400_000, 16 * 3_600_000, 'candle1D opens at 16:00 UTC');
  clearInterval(keepAlive);
  client.close();
});
