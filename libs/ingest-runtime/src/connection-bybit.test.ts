import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import { createLogger } from '@klineflow/observability';
import { parseConfig, resolveExchange, type ResolvedExchangeConfig } from '@klineflow/config';
import { bybitProtocol, type BybitBook, type BybitLevel, type BybitPush, type BybitRequest } from '@klineflow/exchange-modules';
import { createIngestMetrics } from './metrics.js';
import { planConnections } from './plan.js';
import { ConnectionSlot } from './slot.js';

const logger = createLogger('ingest-bybit-test', 'error');
logger.silent = true;
const TOPIC = 'orderbook.50.BTCUSDT';
/** The delta the server leaves out once, as a lost message would. */
const SKIPPED_U = 12;

/** Acks every request; each subscribe of the book gets a snapshot, then a delta every 20 ms, one of them lost. */
async function bybitBook() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const requests: BybitRequest[] = [];
  wss.on('connection', (ws) => {
    let u = 0;
    let subscribed = false;
    const push = (type: 'snapshot' | 'delta', b: BybitLevel[], a: BybitLevel[]) =>
      ws.send(
        JSON.stringify({
          topic: TOPIC,
          ts: Date.now(),
          type,
          data: { s: 'BTCUSDT', b, a, u, seq: 1000 + u },
          cts: Date.now(),
        } satisfies BybitPush<BybitBook>),
      );
    ws.on('message', (data) => {
      const request = JSON.parse(data.toString()) as BybitRequest;
      requests.push(request);
      ws.send(JSON.stringify({ success: true, ret_msg: '', conn_id: 'c', req_id: request.req_id, op: request.op }));
      subscribed = request.op === 'subscribe';
      if (!subscribed) return;
      u++;
      const ladder = (first: number, step: number) =>
        Array.from({ length: 30 }, (_, i): BybitLevel => [(first + step * i).toFixed(2), '1.5']);
      push('snapshot', ladder(64_000, -0.5), ladder(64_000.5, 0.5));
    });
    const timer = setInterval(() => {
      if (!subscribed) return;
      u++;
      if (u !== SKIPPED_U) push('delta', [[(64_000 + u).toFixed(2), `0.${u}`]], []);
    }, 20);
    ws.on('close', () => clearInterval(timer));
  });
  return {
    requests,
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v5/public/spot`,
    stop: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

test("the ingest publishes its local book's top 20 as snapshots, never a delta; after a lost delta it resubscribes for a fresh snapshot", async () => {
  const server = await bybitBook();
  const config = resolveExchange(
    parseConfig(
      [
        '[websocket.bybit]',
        `url = "${server.url}"`,
        `api_url = "${server.url}"`,
        'symbols = ["BTCUSDT"]',
        'channels = ["depth"]',
        'stale_after = 0.3',
      ].join('\n'),
    ),
    'bybit',
  ) as ResolvedExchangeConfig;
  const [plan] = planConnections(config, bybitProtocol, { shard_index: 0, shard_count: 1 });
  const published: BybitPush<BybitBook>[] = [];
  const slot = new ConnectionSlot({
    slotId: 'bybit-test',
    plan: plan!,
    config,
    protocol: bybitProtocol,
    metrics: createIngestMetrics(new Registry(), 'bybit'),
    logger,
    sink: (_connId, key, text) => {
      assert.equal(key, TOPIC);
      published.push(JSON.parse(text) as BybitPush<BybitBook>);
    },
  });
  slot.start();
  try {
    const deadline = Date.now() + 10_000;
    while (published.filter((p) => p.data.u > SKIPPED_U).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(
      published.every((p) => p.type === 'snapshot' && p.data.b.length === 20 && p.data.a.length === 20),
      'top-20 snapshots only',
    );
    assert.deepEqual(published[1]!.data.b[0], ['64002.00', '0.2'], 'the first delta applied: its level is the best bid');
    const us = published.map((p) => p.data.u);
    assert.ok(
      us.every((u) => u < SKIPPED_U || u > SKIPPED_U + 1),
      `nothing published from the gap until the fresh snapshot: ${us.join(',')}`,
    );
    const subscribes = server.requests.filter((r) => r.op === 'subscribe');
    assert.ok(subscribes.length >= 2, 'subscribed again after the book fell out of step');
    assert.deepEqual(
      server.requests.slice(0, 2).map((r) => r.op),
      ['unsubscribe', 'subscribe'],
    );
  } finally {
    slot.stop();
    await server.stop();
  }
});
