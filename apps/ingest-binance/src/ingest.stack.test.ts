import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IHeaders } from 'kafkajs';
import { Registry } from 'prom-client';
import { parseConfig } from '@klineflow/config';
import { createKafka, rawTopic, TOPICS } from '@klineflow/kafka';
import { createLogger, HealthRegistry, type ServiceContext } from '@klineflow/observability';
import { runIngest } from '@klineflow/ingest-runtime';
import { binanceProtocol } from './protocol.js';
import { MIN, MiniBinance, startWsApi, waitFor } from './test-server.js';

interface Landed {
  key: string;
  value: string;
  headers: Record<string, string>;
}

const decode = (headers: IHeaders | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));

test('live frames and backfill replies land in raw.binance with their headers and the stream key', { timeout: 60_000 }, async () => {
  const run = `${process.pid}${Date.now() % 100_000}`;
  const symbol = `T${run}USDT`;
  const native = symbol.toLowerCase();
  const server = await MiniBinance.start(50);
  const api = await startWsApi({ rateLimitFirst: false });
  const config = parseConfig([
    '[websocket.binance]', `url = "${server.url}"`, `api_url = "${api.url}"`, `symbols = ["${symbol}"]`,
    'channels = ["kline"]', 'intervals = ["1m", "5m"]',
    '[websocket.okx]', 'enabled = false', 'symbols = ["BTC-USDT"]',
    '[websocket.huobi]', 'enabled = false', 'symbols = ["btcusdt"]',
    '[kafka]', `client_id = "ingest-stack-${run}"`, 'linger_ms = 5',
  ].join('\n'));
  const logger = createLogger('ingest-stack-test', 'error');
  logger.silent = true;
  const steps: Array<() => Promise<void> | void> = [];
  const ctx: ServiceContext = {
    name: 'ingest_binance', config, logger, registry: new Registry(), health: new HealthRegistry(),
    onShutdown: (step) => steps.push(step),
    fail: (reason) => { throw new Error(reason); },
  };

  const kafka = createKafka(config.kafka, `stack-reader-${run}`);
  const consumer = kafka.consumer({ groupId: `ingest-stack-reader-${run}` });
  const landed: Landed[] = [];
  try {
    await runIngest(ctx, binanceProtocol);
    await consumer.connect();
    await consumer.subscribe({ topic: rawTopic('binance'), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString() ?? '';
        if (key.startsWith(native)) landed.push({ key, value: message.value?.toString() ?? '', headers: decode(message.headers) });
      },
    });
    await waitFor(() => ['1m', '5m'].every((i) => landed.some((m) => m.key === `${native}@kline_${i}`)), 'live frames of both streams in Kafka', 30_000);
    const live = landed.find((m) => m.key === `${native}@kline_1m`)!;
    assert.match(live.value, new RegExp(`^\\{"stream":"${native}@kline_1m","data":\\{"e":"kline"`), 'exact frame text');
    assert.equal(live.headers.exchange, 'binance');
    assert.equal(live.headers.kind, 'live');
    assert.match(live.headers.conn_id!, /^binance-s0-main-0-r0-g\d+$/);
    assert.ok(Math.abs(Number(live.headers.recv_ts) - Date.now()) < 60_000, 'recv_ts is a ms epoch');
    // Per stream, Kafka keeps the order the frames arrived in.
    const seqs = landed.filter((m) => m.key === `${native}@kline_1m`).map((m) => Number(/"seq":(\d+)/.exec(m.value)![1]));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));

    const start = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    const producer = kafka.producer();
    await producer.connect();
    // The backfill consumer group may still be joining: keep offering the request until it is served.
    for (let attempt = 0; attempt < 20 && !landed.some((m) => m.headers.kind === 'backfill'); attempt++) {
      await producer.send({ topic: TOPICS.backfillRequests, messages: [{ value: JSON.stringify({ exchange: 'binance', symbol, interval: '1m', start_time: start, end_time: start + 4 * MIN, reason: 'gap', requested_at: Date.now() }) }] });
      await waitFor(() => landed.some((m) => m.headers.kind === 'backfill'), 'a backfill reply in Kafka', 3000).catch(() => undefined);
    }
    await producer.disconnect();
    const backfill = landed.find((m) => m.headers.kind === 'backfill');
    assert.ok(backfill, 'backfill reply published');
    assert.equal(backfill.key, `${native}@kline_1m`);
    assert.deepEqual(
      [backfill.headers.backfill_symbol, backfill.headers.backfill_interval, backfill.headers.backfill_start, backfill.headers.backfill_end],
      [symbol, '1m', String(start), String(start + 4 * MIN)],
    );
    assert.match(backfill.value, /^\{"id":"bf\d+","status":200,"result":\[\[/);
    assert.equal(api.requests.at(-1)!.params.symbol, symbol);
    const connectionHealth = () => ctx.health.report().components['ws:binance-s0-main-0-r0'];
    await waitFor(() => connectionHealth() !== undefined, 'the connection listed in /health');
    assert.equal(connectionHealth()!.status, 'up');
    assert.ok(connectionHealth()!.lastMessageAgeMs! < 5000);
  } finally {
    for (const step of steps.reverse()) await step();
    await consumer.disconnect();
    await server.stop();
    await api.stop();
  }
});
