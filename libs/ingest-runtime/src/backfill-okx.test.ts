import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { Registry } from 'prom-client';
import { parseConfig, resolveExchange, type ResolvedExchangeConfig } from '@klineflow/config';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import { okxProtocol } from '@klineflow/exchange-modules';
import { BackfillService } from './backfill.js';
import { createIngestMetrics } from './metrics.js';

test('OKX backfill requests are counted as unsupported and nothing is published', async () => {
  const logger = createLogger('okx-backfill-test', 'error');
  logger.silent = true;
  const registry = new Registry();
  const published: Message[] = [];
  const config = resolveExchange(parseConfig('[websocket.okx]\nsymbols = ["BTC-USDT"]'), 'okx') as ResolvedExchangeConfig;
  const service = new BackfillService({
    config,
    protocol: okxProtocol,
    publish: (m) => published.push(m),
    metrics: createIngestMetrics(registry, 'okx'),
    logger,
    health: new HealthRegistry(),
  });
  const t = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);
  await service.handle(
    JSON.stringify({
      exchange: 'okx',
      symbol: 'BTCUSDT',
      interval: '1m',
      start_time: t,
      end_time: t + 60_000,
      reason: 'outage',
      requested_at: t,
    }),
  );
  assert.equal(published.length, 0);
  assert.deepEqual(
    (await registry.getSingleMetric('klineflow_backfill_requests_total')!.get()).values.map((v) => [v.labels, v.value]),
    [[{ exchange: 'okx', outcome: 'unsupported' }, 1]],
  );
});
