import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimControl } from '@klineflow/sim-control';
import { parseSymbol } from '@klineflow/exchanges';
import {
  BOOK_DEPTH,
  BybitBooks,
  type BybitBook,
  type BybitKline,
  type BybitPush,
  type BybitReply,
  type BybitTicker,
  type BybitTrade,
} from '@klineflow/exchange-modules';
import { startSim, TestClient, waitFor } from '../test-support.js';
import type { Simulator, SimPorts } from '../simulator.js';
import { bookPush } from './payloads.js';

let sim: Simulator;
let ports: SimPorts;
let stop: () => Promise<void>;
let control: SimControl;

before(async () => {
  ({ sim, ports, stop } = await startSim({ speed: 600, updateIntervalMs: 50 }));
  control = new SimControl(`http://127.0.0.1:${ports.control}`);
});
after(() => stop());

const open = () => TestClient.open(`ws://127.0.0.1:${ports.bybit}/v5/public/spot`);
const pushesOf = <T>(client: TestClient, topic: string) =>
  client.frames.filter((f) => f.startsWith(`{"topic":"${topic}"`)).map((f) => JSON.parse(f) as BybitPush<T>);

test('subscribe acks by req_id; more than 10 args, an unknown topic or one already subscribed refuses the whole request', async () => {
  const client = await open();
  client.send({ op: 'subscribe', args: ['tickers.BTCUSDT', 'publicTrade.BTCUSDT'], req_id: 'a' });
  const ack = await client.next<BybitReply>('ack', (m) => m.req_id === 'a');
  assert.deepEqual({ ...ack, conn_id: '' }, { success: true, ret_msg: 'subscribe', conn_id: '', req_id: 'a', op: 'subscribe' });
  client.send({ op: 'subscribe', args: Array.from({ length: 11 }, (_, i) => `tickers.SYM${i}USDT`), req_id: 'b' });
  assert.equal((await client.next<BybitReply>('too many args', (m) => m.req_id === 'b')).ret_msg, 'args size >10');
  client.send({ op: 'subscribe', args: ['orderbook.500.BTCUSDT'], req_id: 'c' });
  assert.equal((await client.next<BybitReply>('unknown topic', (m) => m.req_id === 'c')).success, false);
  client.send({ op: 'subscribe', args: ['kline.1.BTCUSDT', 'tickers.BTCUSDT'], req_id: 'd' });
  assert.equal(
    (await client.next<BybitReply>('already subscribed', (m) => m.req_id === 'd')).ret_msg,
    'error:already subscribed,topic:tickers.BTCUSDT',
  );
  assert.equal((await control.state()).exchanges.bybit.streams, 2, 'the refused request subscribed nothing');
  client.send({ op: 'unsubscribe', args: ['tickers.BTCUSDT'], req_id: 'e' });
  assert.equal((await client.next<BybitReply>('unsubscribed', (m) => m.req_id === 'e')).success, true);
  client.send({ op: 'subscribe', args: ['tickers.BTCUSDT'], req_id: 'f' });
  assert.equal((await client.next<BybitReply>('subscribed again', (m) => m.req_id === 'f')).success, true);
  client.close();
});

test('{"op":"ping"} is answered with ret_msg "pong"', async () => {
  const client = await open();
  client.send({ op: 'ping' });
  const pong = await client.next<BybitReply>('pong', (m) => m.op === 'ping');
  assert.deepEqual([pong.success, pong.ret_msg], [true, 'pong']);
  client.close();
});

test('klines: open pushes with confirm false, then confirm true at the virtual close, equal to the closed-bar record', async () => {
  const client = await open();
  client.send({ op: 'subscribe', args: ['kline.1.SOLUSDT', 'kline.D.SOLUSDT'], req_id: 'k' });
  const first = await client.next<BybitPush<BybitKline[]>>('a kline push', (m) => m.topic === 'kline.1.SOLUSDT', 3000);
  const closed = await client.next<BybitPush<BybitKline[]>>(
    'a confirmed bar watched from its start',
    (m) => m.topic === 'kline.1.SOLUSDT' && m.data[0]!.confirm && m.data[0]!.start > first.data[0]!.start,
    5000,
  );
  const bar = closed.data[0]!;
  assert.ok(
    pushesOf<BybitKline[]>(client, 'kline.1.SOLUSDT').some((m) => m.data[0]!.start === bar.start && !m.data[0]!.confirm),
    'open updates first',
  );
  assert.deepEqual([bar.end - bar.start, bar.interval], [59_999, '1']);
  const recorded = sim.ctx.recorders.bybit.bars().find((b) => b.symbol === 'SOLUSDT' && b.interval === '1m' && b.open_time === bar.start)!;
  assert.deepEqual(
    [bar.open, bar.high, bar.low, bar.close, bar.volume, bar.turnover],
    [recorded.open, recorded.high, recorded.low, recorded.close, recorded.volume, recorded.quote_volume],
  );
  assert.equal(recorded.trade_count, null);
  const daily = await client.next<BybitPush<BybitKline[]>>('a daily push', (m) => m.topic === 'kline.D.SOLUSDT');
  assert.equal(daily.data[0]!.start % 86_400_000, 0, 'D opens at 00:00 UTC');
  client.close();
});

test('order book: a snapshot of 50 levels a side, then deltas that rebuild the same book; u consecutive', async () => {
  const client = await open();
  client.send({ op: 'subscribe', args: ['orderbook.50.ETHUSDT'], req_id: 'o' });
  await waitFor('a snapshot and three deltas', 5000, () => (pushesOf(client, 'orderbook.50.ETHUSDT').length >= 4 ? true : undefined));
  const [snapshot, ...deltas] = pushesOf<BybitBook>(client, 'orderbook.50.ETHUSDT');
  assert.equal(snapshot!.type, 'snapshot');
  assert.deepEqual([snapshot!.data.b.length, snapshot!.data.a.length], [50, 50]);
  assert.ok(deltas.every((d, i) => d.type === 'delta' && d.data.u === snapshot!.data.u + i + 1));
  // The ingest's local book turns the deltas back into the simulator's book.
  const books = new BybitBooks();
  const frames = client.frames.filter((f) => f.startsWith('{"topic":"orderbook.50.ETHUSDT"'));
  const rebuilt = frames.map((f) => books.publishable('orderbook.50.ETHUSDT', f)).at(-1)!;
  const latest = JSON.parse(rebuilt) as BybitPush<BybitBook>;
  const generator = sim.ctx.market;
  const market = { symbol: parseSymbol('ETHUSDT'), native: 'ETHUSDT', profile: generator.profile('bybit', 'ETHUSDT', 'ETH') };
  const spot = generator.spot(market.profile, latest.ts);
  const expected = bookPush(market, spot, latest.data.u, latest.data.seq, generator.book(market.profile, spot, BOOK_DEPTH));
  assert.deepEqual([latest.data.b, latest.data.a], [expected.data.b.slice(0, 20), expected.data.a.slice(0, 20)]);
  client.close();
});

test('tickers and trades: spot fields as Bybit names them', async () => {
  const client = await open();
  client.send({ op: 'subscribe', args: ['tickers.BTCUSDT', 'publicTrade.BTCUSDT'], req_id: 't' });
  const ticker = await client.next<BybitPush<BybitTicker>>('a ticker', (m) => m.topic === 'tickers.BTCUSDT');
  assert.deepEqual(Object.keys(ticker.data), [
    'symbol',
    'lastPrice',
    'highPrice24h',
    'lowPrice24h',
    'prevPrice24h',
    'volume24h',
    'turnover24h',
    'price24hPcnt',
    'usdIndexPrice',
  ]);
  assert.notEqual(ticker.data.volume24h, ticker.data.turnover24h);
  const trades = await client.next<BybitPush<BybitTrade[]>>('a trade', (m) => m.topic === 'publicTrade.BTCUSDT');
  assert.ok(['Buy', 'Sell'].includes(trades.data[0]!.S));
  assert.match(trades.data[0]!.i, /^\d+$/);
  client.close();
});

test('faults: drop, stall, malformed, duplicate, impossible candle and hostile frames reach Bybit connections', async () => {
  const client = await open();
  client.send({ op: 'subscribe', args: ['kline.1.XRPUSDT'], req_id: 'h' });
  await client.next('data', (m) => m.topic === 'kline.1.XRPUSDT');
  await control.malformed('bybit');
  await waitFor('a frame that is not JSON', 2000, () => (client.frames.some((f) => f.startsWith('{"e":"kline"')) ? true : undefined));
  await control.impossibleCandle('bybit');
  await client.next<BybitPush<BybitKline[]>>(
    'high < low',
    (m) => m.topic === 'kline.1.XRPUSDT' && Number(m.data[0]!.high) < Number(m.data[0]!.low),
  );
  const before = client.frames.length;
  await control.duplicate('bybit');
  await waitFor('the last data frame again', 2000, () =>
    client.frames.slice(before).some((f) => client.frames.slice(0, before).includes(f)) ? true : undefined,
  );
  const from = client.frames.length;
  const hostile = await control.hostile('bybit');
  await waitFor('every hostile frame', 5000, () => (client.frames.length - from >= hostile.frames ? true : undefined));
  assert.ok(
    client.frames.slice(from).some((f) => f.startsWith('{"topic":"kline.1.XRPGUSDT"')),
    'a topic nobody subscribed',
  );
  await control.stall('bybit', 300);
  const stalledAt = client.frames.length;
  await client.next('data after the stall', (m) => m.topic === 'kline.1.XRPUSDT', 3000, stalledAt + 1);
  assert.equal((await control.drop('bybit')).connections, 1);
  assert.equal(await client.closed(), 1006);
});
