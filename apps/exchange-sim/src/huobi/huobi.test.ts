import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, TestClient, waitFor } from '../test-support.js';
import type { Simulator, SimPorts } from '../simulator.js';

let sim: Simulator;
let ports: SimPorts;
let stop: () => Promise<void>;

before(async () => {
  ({ sim, ports, stop } = await startSim({ speed: 600, updateIntervalMs: 50, huobiPingIntervalMs: 100 }));
});
after(() => stop());

const open = () => TestClient.open(`ws://127.0.0.1:${ports.huobi}/ws`, { gzip: true });
/** Answers every server ping, as a well-behaved client does. */
function answerPings(client: TestClient): void {
  client.ws.on('message', () => {
    const last = client.frames[client.frames.length - 1]!;
    if (last.startsWith('{"ping":')) client.send({ pong: (JSON.parse(last) as { ping: number }).ping });
  });
}

test('every server frame is gzip binary; sub acks, invalid topics get bad-request', async () => {
  const client = await open();
  answerPings(client);
  client.send({ sub: 'market.btcusdt.kline.1min', id: 'id1' });
  const ack = await client.next<{ status: string; subbed: string; ts: number }>('ack', (m) => m.id === 'id1');
  assert.equal(ack.status, 'ok');
  assert.equal(ack.subbed, 'market.btcusdt.kline.1min');
  client.send({ sub: 'market.btcusdt.kline.2min', id: 'id2' });
  const error = await client.next<Record<string, string>>('error', (m) => m.id === 'id2');
  assert.equal(error.status, 'error');
  assert.equal(error['err-code'], 'bad-request');
  assert.match(error['err-msg']!, /invalid topic market\.btcusdt\.kline\.2min/);
  await client.next('a kline tick', (m) => m.ch === 'market.btcusdt.kline.1min');
  assert.ok(client.binary.length > 0 && client.binary.every(Boolean), 'all frames are binary');
  client.close();
});

test('kline ticks: id in seconds, amount is base and vol quote, exact number literals; a later id follows the close', async () => {
  const client = await open();
  answerPings(client);
  client.send({ sub: 'market.avaxusdt.kline.1min', id: 'a' });
  client.send({ sub: 'market.dogeusdt.kline.1min', id: 'b' });
  const first = await client.next<{ tick: { id: number } }>('an avax tick', (m) => m.ch === 'market.avaxusdt.kline.1min');
  await client.next(
    'the next bar',
    (m: { ch?: string; tick?: { id: number } }) => m.ch === 'market.avaxusdt.kline.1min' && m.tick!.id > first.tick.id,
    3000,
  );
  const avax = client.frames.filter((f) => f.startsWith('{"ch":"market.avaxusdt.kline.1min"'));
  const id = Number(/"id":(\d+)/.exec(avax[0]!)![1]);
  assert.equal(id % 60, 0, 'tick.id is the open time in seconds');
  assert.ok(id < 1e11, 'seconds, not milliseconds');
  // A tiny-priced market: prices are Java exponent literals, never JavaScript's 5.6e-6.
  assert.match(avax[0]!, /"open":\d\.\d+E-\d+,/);
  const doge = client.frames.find((f) => f.startsWith('{"ch":"market.dogeusdt.kline.1min"'))!;
  assert.match(doge, /"open":\d+\.\d{2},"close":\d+\.\d{2},"low":\d+\.\d{2},"high":\d+\.\d{2},/, 'prices keep all their decimals');

  const finalOfFirst = avax.filter((f) => f.includes(`"id":${first.tick.id},`)).pop()!;
  const recorded = sim.ctx.recorders.huobi.bars().find((b) => b.symbol === 'AVAXUSDT' && b.open_time === first.tick.id * 1000)!;
  const literal = (name: string) => new RegExp(`"${name}":([^,}]+)`).exec(finalOfFirst)![1];
  assert.deepEqual(
    [literal('open'), literal('high'), literal('low'), literal('close'), literal('amount'), literal('vol')],
    [recorded.open, recorded.high, recorded.low, recorded.close, recorded.volume, recorded.quote_volume],
    'the last tick before the next bar is the final bar, as recorded, literal for literal',
  );
  assert.ok(Number(recorded.quote_volume) / Number(recorded.volume) <= Number(recorded.high) * 1.001, 'vol is the quote volume');
  client.close();
});

test('trade ids are 27-digit integer literals and increase', async () => {
  const client = await open();
  answerPings(client);
  client.send({ sub: 'market.ethusdt.trade.detail', id: 't' });
  const trades = () => client.frames.filter((f) => f.startsWith('{"ch":"market.ethusdt.trade.detail"'));
  await waitFor('two trades', 3000, () => (trades().length >= 2 ? true : undefined));
  const ids = trades().map((f) => /"data":\[\{"id":(\d+),/.exec(f)![1]!);
  assert.ok(
    ids.every((i) => i.length === 27),
    ids.join(),
  );
  assert.ok(BigInt(ids[1]!) > BigInt(ids[0]!));
  client.close();
});

test('req history: at most 300 bars with ids in seconds inside [from, to]; one request per 100 ms', async () => {
  const client = await open();
  const to = Math.floor(sim.ctx.clock.now() / 60_000) * 60 - 600;
  const from = to - 1000 * 60;
  client.send({ req: 'market.btcusdt.kline.1min', id: 'id10', from, to });
  const reply = await client.next<{ rep: string; status: string; data: { id: number }[] }>('history', (m) => m.id === 'id10');
  assert.equal(reply.status, 'ok');
  assert.equal(reply.rep, 'market.btcusdt.kline.1min');
  assert.equal(reply.data.length, 300);
  assert.equal(reply.data[0]!.id, from);
  assert.ok(reply.data.every((b, i) => b.id === from + i * 60));
  client.send({ req: 'market.btcusdt.kline.1min', id: 'id11', from: to - 600, to });
  const tooFast = await client.next<Record<string, string>>('rate error', (m) => m.id === 'id11');
  assert.equal(tooFast.status, 'error');
  client.close();
});

test('the server pings {"ping":ts}; two unanswered pings close the connection', async () => {
  const client = await open();
  const ping = await client.next<{ ping: number }>('a ping', (m) => typeof m.ping === 'number');
  assert.ok(Math.abs(ping.ping - Date.now()) < 5000);
  await client.closed(2000);
  assert.ok(client.frames.filter((f) => f.startsWith('{"ping":')).length >= 2);
});
