import { createKafka, ensureTopics, kafkaSecurity, RAW_TOPICS, startLagExporter } from '@klineflow/kafka';
import { runService } from '@klineflow/observability';
import { CONSUMER_GROUP, startKafkaLoop } from './kafka-loop.js';
import { integrityPolicy, Normalizer, normalizerBounds } from './pipeline.js';

await runService('normalizer', async (ctx) => {
  const { config, logger } = ctx;
  const kafka = createKafka(config.kafka, 'normalizer');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config.kafka.partitions);
  await admin.disconnect();

  const normalizer = new Normalizer(
    integrityPolicy(config.integrity),
    config.integrity.inferred_close_grace_ms,
    Date.now,
    normalizerBounds(config.integrity),
  );
  const loop = await startKafkaLoop({
    kafka,
    normalizer,
    registry: ctx.registry,
    health: ctx.health,
    logger,
    onFatal: (reason, error) => {
      try {
        ctx.fail(reason, error);
      } catch {
        // fail() throws to stop its caller; here the caller is an event handler and the process is already exiting.
      }
    },
  });
  const lag = startLagExporter({
    brokers: config.kafka.brokers,
    security: kafkaSecurity(config.kafka),
    groupId: CONSUMER_GROUP,
    topics: RAW_TOPICS,
    registry: ctx.registry,
    logger,
  });
  ctx.onShutdown(async () => {
    await loop.stop();
    await lag.stop();
  });
});
