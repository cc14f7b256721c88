import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import assert from 'node:assert/strict';
import { SimControl } from '@klineflow/sim-control';
import { startSim, TestClient, waitFor } from './test-support.js';
import type { SimPorts } from './simulator.js';

let ports: SimPorts;
let stop: () => Promise<void>;
let control: SimControl;

before(async () => {
  ({ ports, stop } = await startSim({ speed: 600, updateIntervalMs: 50, shutdownGraceMs: 100 }));
  control = new SimControl(`http://127.0.0.1:${ports.control}`);
});
after(() => stop());

const binance = (streams: string) => TestClient.open(`ws://127.0.0.1:${ports.binance}/stream?streams=${streams}`);

test('drop terminates every connection without a close frame; state counts connections and streams', async () => {
  const client = await binance('btcusdt@kline_1m/btcusdt@trade');
  const state = await control.state();
  assert.equal(state.exchanges.binance.connections, 1);
  assert.equal(state.exchanges.binance.streams, 2);
  assert.equal(state.speed, 600);
  assert.equal((await control.drop('binance')).connections, 1);
  assert.equal(await client.closed(), 1006, 'abnormal closure: no close frame');
});

test('a limited drop terminates only that many connections, and only ones that carry klines', async () => {
  const tickers = await binance('btcusdt@ticker');
  const klinesA = await binance('btcusdt@kline_1m');
  const klinesB = await binance('btcusdt@kline_1m');
  await waitFor('three connections', 2000, async () => ((await control.state()).exchanges.binance.connections === 3 ? true : undefined));
  assert.equal((await control.drop('binance', 1)).connections, 1);
  await waitFor('one kline connection closed', 2000, () => klinesA.closeCode ?? klinesB.closeCode);
  assert.equal([klinesA.closeCode, klinesB.closeCode].filter((c) => c === 1006).length, 1, 'exactly one of the two kline connections');
  assert.equal(tickers.closeCode, undefined, 'the ticker-only connection untouched');
  tickers.close();
  (klinesA.closeCode ? klinesB : klinesA).close();
});

test('stall keeps the connection open but silent for the window, then data resumes', async () => {
  const client = await binance('ethusdt@kline_1m');
  await client.next('data', (m) => m.stream === 'ethusdt@kline_1m');
  await control.stall('binance', 400);
  const stalledAt = Date.now();
  const countAtStall = client.frames.length;
  await client.next('data after the stall', (m) => m.stream === 'ethusdt@kline_1m', 3000, countAtStall + 1);
  const firstAfter = Date.now();
  assert.ok(firstAfter - stalledAt >= 380, `nothing arrived for the stall window (${firstAfter - stalledAt} ms)`);
  assert.equal(client.closeCode, undefined, 'the connection stayed open');
  client.close();
});

test('a stalled connection answers no ping, as a dead path would not; afterwards it answers again', async () => {
  const client = await TestClient.open(`ws://127.0.0.1:${ports.huobi}/ws`, { gzip: true });
  const pongs: string[] = [];
  client.ws.on('pong', (payload) => pongs.push(payload.toString()));
  client.ws.ping('before');
  await waitFor('the pong of a live connection', 2000, () => (pongs.length === 1 ? true : undefined));
  await control.stall('huobi', 500);
  client.ws.ping('during');
  const stalledAt = Date.now();
  await waitFor('the stall to end', 3000, () => (Date.now() - stalledAt > 600 ? true : undefined));
  client.ws.ping('after');
  await waitFor('the pong after the stall', 2000, () => (pongs.includes('after') ? true : undefined));
  assert.deepEqual(pongs, ['before', 'after'], 'the ping sent during the stall went unanswered');
  client.close();
});

test('blackout refuses new connections for the window', async () => {
  await control.blackout('okx', 300);
  await assert.rejects(TestClient.open(`ws://127.0.0.1:${ports.okx}/ws/v5/public`), /503/);
  const reopened = await waitFor('a connection after the blackout', 2000, () =>
    TestClient.open(`ws://127.0.0.1:${ports.okx}/ws/v5/public`).catch(() => undefined),
  );
  reopened.close();
});

test('malformed, impossible-candle and duplicate reach subscribed clients; HTX malformed frames are still gzip', async () => {
  const client = await binance('solusdt@kline_1m');
  await client.next('data', (m) => m.stream === 'solusdt@kline_1m');
  await control.malformed('binance');
  await waitFor('a frame that is not JSON', 2000, () =>
    client.frames.some((f) => {
      try {
        JSON.parse(f);
        return false;
      } catch {
        return true;
      }
    })
      ? true
      : undefined,
  );
  await control.impossibleCandle('binance');
  await client.next(
    'high < low',
    (m: { data?: { k?: { h: string; l: string } } }) => !!m.data?.k && Number(m.data.k.h) < Number(m.data.k.l),
  );
  const before = client.frames.length;
  await control.duplicate('binance');
  await waitFor('the last data frame again', 2000, () => {
    const sent = client.frames.slice(0, before).filter((f) => f.startsWith('{"stream"'));
    return client.frames.slice(before).some((f) => sent.includes(f)) ? true : undefined;
  });
  client.close();

  const huobi = await TestClient.open(`ws://127.0.0.1:${ports.huobi}/ws`, { gzip: true });
  await control.malformed('huobi');
  await waitFor('a gzip frame that is not JSON', 2000, () =>
    huobi.frames.some((f) => f.startsWith('{"e":"kline","E":1672515782136,"k":{"t":')) ? true : undefined,
  );
  huobi.close();
});

test('shutdown notice: Binance serverShutdown and OKX 64008, then the close; HTX has none', async () => {
  const client = await binance('btcusdt@ticker');
  const okx = await TestClient.open(`ws://127.0.0.1:${ports.okx}/ws/v5/public`);
  await control.shutdownNotice('binance');
  await control.shutdownNotice('okx');
  await client.next('serverShutdown', (m) => m.e === 'serverShutdown');
  await okx.next('64008', (m) => m.event === 'notice' && m.code === '64008');
  assert.equal(await client.closed(), 1001);
  assert.equal(await okx.closed(), 1001);
  await assert.rejects(control.shutdownNotice('huobi' as 'okx'), /400/);
});

test('closed bars are recorded after the subscriber is gone, so a consumer can check completeness', async () => {
  const client = await binance('adausdt@kline_1m');
  await client.next('data', (m) => m.stream === 'adausdt@kline_1m');
  client.close();
  const closedAfter = Date.now();
  const bars = await waitFor('three ADAUSDT bars', 3000, async () => {
    const recorded = (await control.closedBars('binance')).filter((b) => b.symbol === 'ADAUSDT' && b.interval === '1m');
    return recorded.length >= 3 ? recorded : undefined;
  });
  assert.ok(Date.now() - closedAfter >= 100, 'bars kept closing with nobody connected');
  assert.ok(
    bars.every((b, i) => i === 0 || b.open_time === bars[i - 1]!.open_time + 60_000),
    'consecutive',
  );
  assert.ok(bars.every((b) => typeof b.trade_count === 'number' && /^\d+\.\d{8}$/.test(b.volume)));
});

test('hostile: every kind of bad frame, built from a subscribed kline stream, reaches its connection', async () => {
  const client = await binance('xrpusdt@kline_1m');
  await client.next('data', (m) => m.stream === 'xrpusdt@kline_1m');
  const from = client.frames.length;
  const result = await control.hostile('binance', 2);
  assert.equal(result.connections, 1);
  await waitFor('every hostile frame', 5000, () => (client.frames.length - from >= result.frames ? true : undefined));
  const sent = client.frames.slice(from);
  assert.ok(
    sent.some((f) => f.includes('"stream":"xrpusdt@kline_1m"') && f.includes('"s":"XRPGUSDT"')),
    'the subscribed stream naming another symbol',
  );
  assert.ok(
    sent.some((f) => f.startsWith('{"stream":"xrpgusdt@kline_1m"')),
    'a stream nobody subscribed',
  );
  assert.ok(
    sent.some((f) => f.includes('"E":100000000000000000000000')),
    'a 23-digit time',
  );
  assert.ok(sent.some((f) => f.includes('"c":"1e400"')));
  assert.ok(
    sent.some((f) => f.length > 1024 * 1024),
    'a frame over 1 MiB',
  );
  client.close();

  // HTX frames kept as bytes: the bomb must be seen compressed, as the ingest sees it.
  const huobi = new WebSocket(`ws://127.0.0.1:${ports.huobi}/ws`);
  const raw: Buffer[] = [];
  huobi.on('message', (data: Buffer) => raw.push(data));
  await new Promise((resolve) => huobi.once('open', resolve));
  huobi.send(JSON.stringify({ sub: 'market.xrpusdt.kline.1min', id: 'h1' }));
  await waitFor('the HTX subscription', 2000, async () => ((await control.state()).exchanges.huobi.streams === 1 ? true : undefined));
  const before = raw.length;
  const huobiResult = await control.hostile('huobi');
  await waitFor('every HTX hostile frame', 5000, () => (raw.length - before >= huobiResult.frames ? true : undefined));
  const inflates = (frame: Buffer) => {
    try {
      gunzipSync(frame, { maxOutputLength: 4 * 1024 * 1024 });
      return 'ok';
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'bomb' : 'corrupt';
    }
  };
  const outcomes = raw.slice(before).map(inflates);
  assert.ok(outcomes.includes('bomb'), 'a gzip bomb, small on the wire');
  assert.ok(outcomes.includes('corrupt'), 'a corrupt gzip frame');
  huobi.terminate();
});
