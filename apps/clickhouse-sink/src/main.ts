import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { createKafka, kafkaSecurity, TOPICS } from '@klineflow/kafka';
import { counter, histogram, METRICS, runService } from '@klineflow/observability';
import { Backoff } from '@klineflow/reconnect';
import { BatchingSinkConsumer, clickhouseConnection, DeadLetterPublisher } from '@klineflow/sink-runtime';
import { ensureSchema } from './ddl.js';
import { writeKlines } from './kline-writer.js';

await runService('clickhouse-sink', async (ctx) => {
  const { config, logger, registry, health } = ctx;
  const settings = config.storage.clickhouse;
  // The client would log every failed insert, and isolating a refused row takes a few: the sink logs once per batch instead.
  const client = createClient({ ...clickhouseConnection(settings), request_timeout: 30_000, log: { level: ClickHouseLogLevel.OFF } });
  const kafka = createKafka(config.kafka, 'clickhouse-sink');
  const deadLetters = new DeadLetterPublisher(kafka, 'clickhouse-sink');
  await deadLetters.connect();

  // ClickHouse may still be starting (or down): wait for it rather than crash-loop.
  const backoff = new Backoff({ initialMs: 200, maxMs: 5_000, resetAfterMs: 0 });
  for (;;) {
    try {
      await ensureSchema(client, settings.database);
      break;
    } catch (error) {
      health.set('sink:clickhouse', 'degraded', `schema not ready: ${(error as Error).message}`);
      logger.warn('waiting for ClickHouse', { error: (error as Error).message });
      await new Promise((r) => setTimeout(r, backoff.nextDelay(Date.now())));
    }
  }

  const writes = counter(registry, METRICS.sinkWrites);
  const rejects = counter(registry, METRICS.deadLetters);
  const latency = histogram(registry, METRICS.processingLatency);
  const sink = new BatchingSinkConsumer({
    kafka,
    registry,
    health,
    logger,
    brokers: config.kafka.brokers,
    security: kafkaSecurity(config.kafka),
    sink: 'clickhouse',
    groupId: 'clickhouse-sink',
    topics: [TOPICS.klines],
    maxBatch: settings.batch_size,
    maxDelayMs: settings.flush_interval_ms,
    onFatal: (reason, error) => {
      try {
        ctx.fail(reason, error);
      } catch {
        // fail() throws to stop its caller; here the caller is an event handler and the process is already exiting.
      }
    },
    write: async (records) => {
      const batch = await writeKlines(client, settings.database, records);
      await deadLetters.publish(batch.rejected);
      if (batch.refused > 0)
        logger.warn('rows ClickHouse refused were dead-lettered; the rest of the batch is stored', {
          refused: batch.refused,
          stored: batch.rows,
          first: batch.rejected.find((r) => r.reason === 'clickhouse_rejected')?.detail.slice(0, 300),
        });
      writes.inc({ sink: 'clickhouse', kind: 'kline' }, batch.rows);
      for (const r of batch.rejected) rejects.inc({ exchange: r.exchange ?? 'unknown', reason: r.reason });
      const now = Date.now();
      // A sample per batch keeps the histogram off the per-record path.
      if (batch.recvTimes.length > 0) latency.observe({ stage: 'clickhouse' }, (now - batch.recvTimes[batch.recvTimes.length - 1]!) / 1000);
    },
  });
  await sink.start();
  ctx.onShutdown(async () => {
    await sink.stop();
    await deadLetters.disconnect();
    await client.close();
  });
});
