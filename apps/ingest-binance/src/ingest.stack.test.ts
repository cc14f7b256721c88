import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Consumer, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { parseConfig } from '@klineflow/config';
import { createKafka, rawTopic, TOPICS } from '@klineflow/kafka';
import type { BackfillRequest } from '@klineflow/schemas';
import { createLogger, HealthRegistry, type ServiceContext } from '@klineflow/observability';
import { runIngest } from '@klineflow/ingest-runtime';
import { binanceProtocol } from '@klineflow/exchange-modules';
import { MIN, MiniBinance, startWsApi, waitUntil } from '@klineflow/test-support';

interface Landed {
  key: string;
  value: string;
  headers: Record<string, string>;
}

const decode = (headers: IHeaders | undefined) => Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));

/**
 * Runs `consumer` on `topic` from the end it has now: the shared topics hold whatever earlier runs,
 * benchmarks or the platform wrote, which is not this test's to read (and can take minutes to).
 */
async function readFromNow(kafka: Kafka, consumer: Consumer, topic: string, onMessage: (message: KafkaMessage) => void): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({ eachMessage: async ({ message }) => onMessage(message) });
  for (const { partition, high } of ends) consumer.seek({ topic, partition, offset: high });
}

/** runIngest for one fresh symbol against the test servers, with a reader of what lands in raw.binance. */
async function startIngest(server: MiniBinance, apiUrl: string) {
  const run = `${process.pid}${Date.now() % 100_000}`;
  const symbol = `T${run}USDT`;
  const native = symbol.toLowerCase();
  const config = parseConfig(
    [
      '[websocket.binance]',
      `url = "${server.url}"`,
      `api_url = "${apiUrl}"`,
      `symbols = ["${symbol}"]`,
      'channels = ["kline"]',
      'intervals = ["1m", "5m"]',
      '[websocket.okx]',
      'enabled = false',
      'symbols = ["BTC-USDT"]',
      '[websocket.huobi]',
      'enabled = false',
      'symbols = ["btcusdt"]',
      '[kafka]',
      `client_id = "ingest-stack-${run}"`,
      'linger_ms = 5',
    ].join('\n'),
  );
  const logger = createLogger('ingest-stack-test', 'error');
  logger.silent = true;
  const steps: Array<() => Promise<void> | void> = [];
  const ctx: ServiceContext = {
    name: 'ingest-binance',
    config,
    logger,
    registry: new Registry(),
    health: new HealthRegistry(),
    onShutdown: (step) => steps.push(step),
    fail: (reason) => {
      throw new Error(reason);
    },
  };
  const kafka = createKafka(config.kafka, `stack-reader-${run}`);
  const consumer = kafka.consumer({ groupId: `ingest-stack-reader-${run}` });
  const landed: Landed[] = [];
  await readFromNow(kafka, consumer, rawTopic('binance'), (message) => {
    const key = message.key?.toString() ?? '';
    if (key.startsWith(native)) landed.push({ key, value: message.value?.toString() ?? '', headers: decode(message.headers) });
  });
  await runIngest(ctx, binanceProtocol);
  const stop = async () => {
    for (const step of steps.reverse()) await step();
    await consumer.disconnect();
  };
  return { symbol, native, ctx, kafka, landed, stop };
}

test('live frames and backfill replies land in raw.binance with their headers and the stream key', { timeout: 60_000 }, async () => {
  const server = await MiniBinance.start(50);
  const api = await startWsApi({ rateLimitFirst: false });
  const { symbol, native, ctx, kafka, landed, stop } = await startIngest(server, api.url);
  try {
    await waitUntil(
      () => ['1m', '5m'].every((i) => landed.some((m) => m.key === `${native}@kline_${i}`)),
      'live frames of both streams in Kafka',
      30_000,
    );
    const live = landed.find((m) => m.key === `${native}@kline_1m`)!;
    assert.match(live.value, new RegExp(`^\\{"stream":"${native}@kline_1m","data":\\{"e":"kline"`), 'exact frame text');
    assert.equal(live.headers.exchange, 'binance');
    assert.equal(live.headers.kind, 'live');
    assert.match(live.headers.conn_id!, /^binance-s0-main-0-r0-g\d+$/);
    assert.ok(Math.abs(Number(live.headers.recv_ts) - Date.now()) < 60_000, 'recv_ts is a ms epoch');
    // Per stream, Kafka keeps the order the frames arrived in.
    const seqs = landed.filter((m) => m.key === `${native}@kline_1m`).map((m) => Number(/"seq":(\d+)/.exec(m.value)![1]));
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );

    const start = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    const producer = kafka.producer();
    await producer.connect();
    // The backfill consumer group may still be joining: keep offering the request until it is served.
    for (let attempt = 0; attempt < 20 && !landed.some((m) => m.headers.kind === 'backfill'); attempt++) {
      await producer.send({
        topic: TOPICS.backfillRequests,
        messages: [
          {
            value: JSON.stringify({
              exchange: 'binance',
              symbol,
              interval: '1m',
              start_time: start,
              end_time: start + 4 * MIN,
              reason: 'gap',
              requested_at: Date.now(),
            }),
          },
        ],
      });
      await waitUntil(() => landed.some((m) => m.headers.kind === 'backfill'), 'a backfill reply in Kafka', 3000).catch(() => undefined);
    }
    await producer.disconnect();
    const backfill = landed.find((m) => m.headers.kind === 'backfill');
    assert.ok(backfill, 'backfill reply published');
    assert.equal(backfill.key, `${native}@kline_1m`);
    assert.deepEqual(
      [
        backfill.headers.backfill_symbol,
        backfill.headers.backfill_interval,
        backfill.headers.backfill_start,
        backfill.headers.backfill_end,
      ],
      [symbol, '1m', String(start), String(start + 4 * MIN)],
    );
    assert.match(backfill.value, /^\{"id":"bf\d+","status":200,"result":\[\[/);
    assert.equal(api.requests.at(-1)!.params.symbol, symbol);
    const connectionHealth = () => ctx.health.report().components['ws:binance-s0-main-0-r0'];
    await waitUntil(() => connectionHealth() !== undefined, 'the connection listed in /health');
    assert.equal(connectionHealth()!.status, 'up');
    assert.ok(connectionHealth()!.lastMessageAgeMs! < 5000);
  } finally {
    await stop();
    await server.stop();
    await api.stop();
  }
});

test(
  'after an outage, backfill-requests ask for exactly the bars that closed on the exchange clock meanwhile',
  { timeout: 60_000 },
  async () => {
    const server = await MiniBinance.start(50);
    // The exchange clock runs 600× fast: a few hundred ms of outage spans minutes of bars.
    const startedAt = Date.now();
    const base = Math.floor(startedAt / MIN) * MIN - 60 * MIN;
    server.eventClock = () => base + (Date.now() - startedAt) * 600;
    const api = await startWsApi({ rateLimitFirst: false });
    const { symbol, native, kafka, landed, stop } = await startIngest(server, api.url);
    const requests: BackfillRequest[] = [];
    const reader = kafka.consumer({ groupId: `ingest-stack-requests-${symbol}` });
    try {
      await readFromNow(kafka, reader, TOPICS.backfillRequests, (message) => {
        const request = JSON.parse(message.value?.toString() ?? '{}') as BackfillRequest;
        if (request.symbol === symbol && request.reason === 'outage') requests.push(request);
      });
      await waitUntil(() => landed.some((m) => m.key === `${native}@kline_1m`), 'live frames', 30_000);
      const firstConnection = landed[0]!.headers.conn_id!;
      server.connections[0]!.ws.terminate();
      await waitUntil(
        () => landed.some((m) => m.headers.conn_id !== firstConnection && m.headers.kind === 'live'),
        'data on the new connection',
        30_000,
      );
      const eventTime = (m: Landed) => Number(/"E":(\d+)/.exec(m.value)![1]);
      const lastBefore = Math.max(...landed.filter((m) => m.headers.conn_id === firstConnection).map(eventTime));
      const firstAfter = Math.min(
        ...landed.filter((m) => m.headers.conn_id !== firstConnection && m.headers.kind === 'live').map(eventTime),
      );
      // Per interval, the bars whose close fell between the two: none for an interval whose boundary was not crossed.
      const closedBetween = (size: number) => ({
        first: Math.floor(lastBefore / size) * size,
        last: Math.floor(firstAfter / size) * size - size,
      });
      const expected = (
        [
          ['1m', MIN],
          ['5m', 5 * MIN],
        ] as const
      )
        .map(([interval, size]) => ({ interval, ...closedBetween(size) }))
        .filter((e) => e.last >= e.first);
      assert.ok(
        expected.some((e) => e.interval === '1m'),
        'the outage spanned at least one 1m close',
      );
      await waitUntil(() => requests.length >= expected.length, 'the outage backfill requests', 30_000);
      assert.deepEqual(
        requests.map((r) => [r.interval, r.start_time, r.end_time]).sort(),
        expected.map((e) => [e.interval, e.first, e.last]).sort(),
      );
    } finally {
      await reader.disconnect();
      await stop();
      await server.stop();
      await api.stop();
    }
  },
);
