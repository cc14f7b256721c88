import { Redis } from 'ioredis';
import { createKafka, kafkaSecurity, TOPICS } from '@klineflow/kafka';
import { counter, METRICS, runService } from '@klineflow/observability';
import { BatchingSinkConsumer, DeadLetterPublisher, redisConnection } from '@klineflow/sink-runtime';
import { createRedisWriter, withApplyScript } from './writer.js';

/**
 * Redis answers in well under a millisecond: a write starts as soon as the previous one is done,
 * so latency stays low, and under load one pipeline carries up to this many records.
 */
const MAX_BATCH = 5_000;
const MAX_DELAY_MS = 0;

await runService('redis-writer', async (ctx) => {
  const { config, logger, registry, health } = ctx;
  const redis = withApplyScript(
    new Redis(config.storage.redis.url, {
      ...redisConnection(config.storage.redis),
      // Fail fast while Redis is away: the sink pauses and retries the batch itself.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 5_000,
      lazyConnect: true,
      // Reconnect attempts are one TCP connect each: a short ceiling finds a restarted Redis within 200 ms.
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 200),
    }),
  );
  // Readiness, and a log line when the reason changes (a refused password, say, repeats with every
  // reconnect): the client reconnects by itself, however long Redis is away, and the sink waits.
  let lastError = '';
  redis.on('error', (error: Error) => {
    health.set('redis', 'down', error.message);
    if (error.message !== lastError) logger.warn('Redis unavailable; retrying', { error: error.message });
    lastError = error.message;
  });
  redis.on('ready', () => {
    lastError = '';
    health.set('redis', 'up');
  });
  await redis.connect();

  const kafka = createKafka(config.kafka, 'redis-writer');
  const deadLetters = new DeadLetterPublisher(kafka, 'redis-writer');
  await deadLetters.connect();
  const rejectCount = counter(registry, METRICS.deadLetters);

  const sink = new BatchingSinkConsumer({
    kafka,
    registry,
    health,
    logger,
    brokers: config.kafka.brokers,
    security: kafkaSecurity(config.kafka),
    sink: 'redis',
    groupId: 'redis-writer',
    topics: [TOPICS.klines, TOPICS.tickers, TOPICS.depth],
    maxBatch: MAX_BATCH,
    maxDelayMs: MAX_DELAY_MS,
    onFatal: (reason, error) => {
      try {
        ctx.fail(reason, error);
      } catch {
        // fail() throws to stop its caller; here the caller is an event handler and the process is already exiting.
      }
    },
    write: createRedisWriter({
      redis,
      registry,
      keyPrefix: config.storage.redis.key_prefix,
      publishRejects: async (rejects) => {
        await deadLetters.publish(rejects);
        for (const r of rejects) rejectCount.inc({ exchange: r.exchange ?? 'unknown', reason: r.reason });
      },
    }),
  });
  redis.on('ready', () => sink.storeReachable());
  await sink.start();
  ctx.onShutdown(async () => {
    await sink.stop();
    await deadLetters.disconnect();
    redis.disconnect();
  });
});
