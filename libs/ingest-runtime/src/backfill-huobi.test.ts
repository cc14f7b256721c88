import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Message } from 'kafkajs';
import { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import { parseConfig, resolveExchange, type ResolvedExchangeConfig } from '@klineflow/config';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import { huobiProtocol } from '@klineflow/exchange-modules';
import { BackfillService } from './backfill.js';
import { createIngestMetrics } from './metrics.js';

const logger = createLogger('huobi-backfill-test', 'error');
logger.silent = true;
const MIN = 60_000;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MIN);

/** HTX `req` stand-in: gzip replies 50 ms after each request, recording when each connection's requests arrive. */
async function huobiHistory() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const arrivalsByConnection: number[][] = [];
  wss.on('connection', (ws) => {
    const arrivals: number[] = [];
    arrivalsByConnection.push(arrivals);
    ws.on('message', (data) => {
      arrivals.push(Date.now());
      const request = JSON.parse(data.toString()) as { req: string; id: string; from: number };
      const bar = `{"id":${request.from},"open":1.0,"close":1.5,"low":0.5,"high":2.0,"amount":10.0,"vol":15.0,"count":3}`;
      setTimeout(() => ws.send(gzipSync(`{"rep":"${request.req}","status":"ok","id":"${request.id}","tick":null,"data":[${bar}]}`)), 50);
    });
  });
  return {
    arrivalsByConnection,
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
    stop: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

test('HTX history requests spread over backfill_concurrency connections, each within the 100 ms per-connection limit', async () => {
  const server = await huobiHistory();
  const config = resolveExchange(
    parseConfig(`[websocket.huobi]\nsymbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]\napi_url = "${server.url}"\nbackfill_concurrency = 3`),
    'huobi',
  ) as ResolvedExchangeConfig;
  const published: Message[] = [];
  const service = new BackfillService({
    config,
    protocol: huobiProtocol,
    publish: (m) => published.push(m),
    metrics: createIngestMetrics(new Registry(), 'huobi'),
    logger,
    health: new HealthRegistry(),
  });
  try {
    // Nine windows of 300 bars: nine requests.
    const requests = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'].map((symbol) =>
      JSON.stringify({
        exchange: 'huobi',
        symbol,
        interval: '1m',
        start_time: T0,
        end_time: T0 + 899 * MIN,
        reason: 'gap',
        requested_at: T0,
      }),
    );
    await service.serveInOrder(
      requests,
      () => {},
      async () => {},
    );
    assert.equal(published.length, 9);
    assert.equal(server.arrivalsByConnection.length, 3, 'one connection per lane');
    for (const arrivals of server.arrivalsByConnection) {
      const spacings = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
      assert.ok(
        spacings.every((ms) => ms >= 100),
        `per-connection spacing ≥ 100 ms: ${spacings.join(', ')}`,
      );
    }
    const all = server.arrivalsByConnection.flat().sort((a, b) => a - b);
    assert.ok(
      all.slice(1).some((t, i) => t - all[i]! < 100),
      "together the connections exceed one connection's rate",
    );
  } finally {
    service.stop();
    await server.stop();
  }
});
