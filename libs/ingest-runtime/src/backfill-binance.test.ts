import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { Registry } from 'prom-client';
import { parseConfig, resolveExchange, type ResolvedExchangeConfig } from '@klineflow/config';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import { binanceProtocol } from '@klineflow/exchange-modules';
import { MIN, startWsApi } from '@klineflow/test-support';
import { BackfillService } from './backfill.js';
import { createIngestMetrics } from './metrics.js';

const logger = createLogger('backfill-test', 'error');
logger.silent = true;
const T0 = 1_700_000_040_000 - (1_700_000_040_000 % MIN);

/** History is served only for configured streams. */
const CONFIGURED = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT'];

/** A BackfillService against the test WS-API at `apiUrl`, collecting what it publishes. */
function backfillAgainst(apiUrl: string, extra = '') {
  const config = resolveExchange(
    parseConfig(`[websocket.binance]\nsymbols = ${JSON.stringify(CONFIGURED)}\napi_url = "${apiUrl}"\n${extra}`),
    'binance',
  ) as ResolvedExchangeConfig;
  const registry = new Registry();
  const published: Message[] = [];
  const service = new BackfillService({
    config,
    protocol: binanceProtocol,
    publish: (m) => published.push(m),
    metrics: createIngestMetrics(registry, 'binance'),
    logger,
    health: new HealthRegistry(),
  });
  return { service, registry, published };
}

test('a 2,500-bar gap is fetched in pages of ≤ 1000 over the WS-API, after honouring a 429, each reply published unchanged', async () => {
  const api = await startWsApi({ rateLimitFirst: true });
  const { service, registry, published } = backfillAgainst(api.url);
  try {
    const startedAt = Date.now();
    await service.handle(
      JSON.stringify({
        exchange: 'binance',
        symbol: 'BTCUSDT',
        interval: '1m',
        start_time: T0,
        end_time: T0 + 2499 * MIN,
        reason: 'gap',
        requested_at: T0,
      }),
    );
    const ok = api.requests.slice(1);
    assert.deepEqual(
      ok.map((r) => [r.params.startTime, r.params.endTime, r.params.limit]),
      [
        [T0, T0 + 999 * MIN, 1000],
        [T0 + 1000 * MIN, T0 + 1999 * MIN, 1000],
        [T0 + 2000 * MIN, T0 + 2499 * MIN, 500],
      ],
    );
    assert.ok(Date.now() - startedAt >= 140, 'waited for retryAfter');
    assert.deepEqual(api.requests[0]!.params, ok[0]!.params, 'the rate-limited request is retried as is');
    assert.ok(ok.every((r) => r.params.symbol === 'BTCUSDT' && r.params.interval === '1m'));
    assert.equal(published.length, 3);
    assert.ok(
      api.paths.every((p) => p === '/ws-api/v3'),
      'requests go to the configured WS-API path',
    );
    const headers = published[0]!.headers as Record<string, string>;
    assert.equal(published[0]!.key, 'btcusdt@kline_1m', 'same key (partition) as the live stream');
    assert.deepEqual(
      { ...headers, recv_ts: undefined },
      {
        exchange: 'binance',
        conn_id: 'binance-backfill',
        recv_ts: undefined,
        kind: 'backfill',
        backfill_symbol: 'BTCUSDT',
        backfill_interval: '1m',
        backfill_start: String(T0),
        backfill_end: String(T0 + 999 * MIN),
      },
    );
    assert.ok(Math.abs(Number(headers.recv_ts) - Date.now()) < 5000);
    assert.ok(
      (published[2]!.value as string).startsWith(`{"id":"${ok[2]!.id}","status":200,"result":[[${T0 + 2000 * MIN},"1.0"`),
      'reply text unchanged',
    );
    const outcomes = (await registry.getSingleMetric('klineflow_backfill_requests_total')!.get()).values.map((v) => [
      v.labels.outcome,
      v.value,
    ]);
    assert.deepEqual(outcomes.sort(), [
      ['rate_limited', 1],
      ['served', 1],
    ]);
    assert.equal((await registry.getSingleMetric('klineflow_backfill_bars_total')!.get()).values[0]!.value, 2500);
  } finally {
    service.stop();
    await api.stop();
  }
});

test('requests for another exchange are ignored and invalid ones counted, without touching the network', async () => {
  const registry = new Registry();
  const published: Message[] = [];
  const config = resolveExchange(
    parseConfig('[websocket.binance]\nsymbols = ["BTCUSDT"]\napi_url = "ws://127.0.0.1:9/x"'),
    'binance',
  ) as ResolvedExchangeConfig;
  const service = new BackfillService({
    config,
    protocol: binanceProtocol,
    publish: (m) => published.push(m),
    metrics: createIngestMetrics(registry, 'binance'),
    logger,
    health: new HealthRegistry(),
  });
  await service.handle(
    JSON.stringify({ exchange: 'huobi', symbol: 'BTCUSDT', interval: '1m', start_time: T0, end_time: T0, reason: 'gap', requested_at: T0 }),
  );
  await service.handle('{"exchange":"binance","symbol":"BTCUSDT"}');
  await service.handle('not json');
  assert.equal(published.length, 0);
  assert.deepEqual(
    (await registry.getSingleMetric('klineflow_backfill_requests_total')!.get()).values.map((v) => [v.labels.outcome, v.value]),
    [['invalid', 2]],
  );
});

test('a request lost with its connection is retried on a new one, never dropped', async () => {
  const api = await startWsApi({ dropFirst: true });
  const { service, registry, published } = backfillAgainst(api.url);
  try {
    await service.handle(
      JSON.stringify({
        exchange: 'binance',
        symbol: 'BTCUSDT',
        interval: '1m',
        start_time: T0,
        end_time: T0 + 9 * MIN,
        reason: 'gap',
        requested_at: T0,
      }),
    );
    assert.equal(api.requests.length, 2, 'sent again after the drop');
    assert.equal(published.length, 1);
    const outcomes = (await registry.getSingleMetric('klineflow_backfill_requests_total')!.get()).values.map((v) => [
      v.labels.outcome,
      v.value,
    ]);
    assert.deepEqual(outcomes.sort(), [
      ['retried', 1],
      ['served', 1],
    ]);
  } finally {
    service.stop();
    await api.stop();
  }
});

const gapRequest = (symbol: string) =>
  JSON.stringify({ exchange: 'binance', symbol, interval: '1m', start_time: T0, end_time: T0 + 9 * MIN, reason: 'gap', requested_at: T0 });

test('requests of one batch are served concurrently up to backfill_concurrency, and completed in order', async () => {
  const api = await startWsApi({ replyDelayMs: 150 });
  const { service, published } = backfillAgainst(api.url, 'backfill_concurrency = 3');
  try {
    const symbols = CONFIGURED;
    const done: number[] = [];
    await service.serveInOrder(
      symbols.map(gapRequest),
      (i) => done.push(i),
      async () => {},
    );
    assert.equal(api.load.maxOutstanding, 3, 'three requests in flight at once, never more');
    assert.deepEqual(
      done,
      symbols.map((_, i) => i),
      'completion reported in order, each once',
    );
    assert.deepEqual(published.map((m) => m.headers!.backfill_symbol).sort(), [...symbols].sort());
  } finally {
    service.stop();
    await api.stop();
  }
});

test('a 429 holds back every concurrent request until retryAfter, not only the refused one', async () => {
  const api = await startWsApi({ rateLimitFirst: true, replyDelayMs: 20 });
  const { service, published } = backfillAgainst(api.url, 'backfill_concurrency = 4');
  try {
    await service.serveInOrder(
      ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT'].map(gapRequest),
      () => {},
      async () => {},
    );
    const afterRefusal = api.arrivals.slice(1);
    assert.ok(afterRefusal.length >= 4);
    assert.ok(
      afterRefusal.every((t) => t >= api.load.retryAfter),
      `no request before retryAfter: ${afterRefusal.map((t) => t - api.load.retryAfter).join(', ')} ms`,
    );
    assert.equal(published.length, 4);
  } finally {
    service.stop();
    await api.stop();
  }
});

test('a request for a symbol nobody configured, or an absurd range, is refused without asking the exchange', async () => {
  const api = await startWsApi({});
  const { service, registry, published } = backfillAgainst(api.url);
  try {
    await service.handle(gapRequest('BTCGUSDT'));
    await service.handle(
      JSON.stringify({
        exchange: 'binance',
        symbol: 'BTCUSDT',
        interval: '1m',
        start_time: 0,
        end_time: T0,
        reason: 'outage',
        requested_at: T0,
      }),
    );
    assert.equal(api.arrivals.length, 0, 'nothing sent to the exchange');
    assert.equal(published.length, 0);
    const invalid = (await registry.getSingleMetric('klineflow_backfill_requests_total')!.get()).values.find(
      (v) => v.labels.outcome === 'invalid',
    );
    assert.equal(invalid?.value, 2);
  } finally {
    service.stop();
    await api.stop();
  }
});
