import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import { createLogger } from '@klineflow/observability';
import { parseConfig, resolveExchange, type ResolvedExchangeConfig } from '@klineflow/config';
import { okxProtocol } from '@klineflow/exchange-modules';
import { createIngestMetrics } from './metrics.js';
import { planConnections } from './plan.js';
import { ConnectionSlot } from './slot.js';

const logger = createLogger('ingest-okx-test', 'error');
logger.silent = true;
// OKX's 20 s ping interval against its 30 s idle cut, scaled down (and within its 3 messages/s).
const IDLE_CUT_MS = 900;

/** Pushes every subscribed candle each 20 ms, and closes with 4004 a connection whose client said nothing for IDLE_CUT_MS. */
async function busyOkx() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const seen = { connections: 0, pings: 0, idleCuts: 0 };
  wss.on('connection', (ws) => {
    seen.connections++;
    let lastClientMessageAt = Date.now();
    let subscribed: { channel: string; instId: string }[] = [];
    ws.on('message', (data) => {
      lastClientMessageAt = Date.now();
      const text = data.toString();
      if (text === 'ping') {
        seen.pings++;
        ws.send('pong');
        return;
      }
      const request = JSON.parse(text) as { id: string; args: { channel: string; instId: string }[] };
      subscribed = request.args;
      for (const arg of request.args) ws.send(JSON.stringify({ id: request.id, event: 'subscribe', arg, connId: 'a4d3ae55' }));
    });
    const timer = setInterval(() => {
      if (Date.now() - lastClientMessageAt >= IDLE_CUT_MS) {
        seen.idleCuts++;
        ws.close(4004, 'No data received in 30s.');
        return;
      }
      for (const arg of subscribed) ws.send(JSON.stringify({ arg, data: [[String(Date.now()), '1', '1', '1', '1', '1', '1', '1', '0']] }));
    }, 20);
    ws.on('close', () => clearInterval(timer));
  });
  return { seen, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, stop: () => new Promise<void>((r) => wss.close(() => r())) };
}

test('keepalive pings go out on schedule even while data pours in, so an exchange that times out silent clients never cuts us', async () => {
  const server = await busyOkx();
  const config = resolveExchange(
    parseConfig(
      [
        '[websocket.okx]',
        `url = "${server.url}"`,
        `api_url = "${server.url}"`,
        'symbols = ["BTC-USDT"]',
        'channels = ["kline"]',
        'intervals = ["1m"]',
        'ping_interval = 0.5',
      ].join('\n'),
    ),
    'okx',
  ) as ResolvedExchangeConfig;
  const [plan] = planConnections(config, okxProtocol, { shard_index: 0, shard_count: 1 });
  let frames = 0;
  const slot = new ConnectionSlot({
    slotId: 'okx-test',
    plan: plan!,
    config,
    protocol: okxProtocol,
    metrics: createIngestMetrics(new Registry(), 'okx'),
    logger,
    sink: () => frames++,
  });
  slot.start();
  try {
    const deadline = Date.now() + 10_000;
    while (server.seen.pings < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(server.seen.pings >= 6, `pinged while busy: ${server.seen.pings}`);
    assert.ok(frames > 100, 'data flowed the whole time');
    assert.deepEqual(
      { connections: server.seen.connections, idleCuts: server.seen.idleCuts },
      { connections: 1, idleCuts: 0 },
      'one connection, never cut for client silence',
    );
  } finally {
    slot.stop();
    await server.stop();
  }
});
