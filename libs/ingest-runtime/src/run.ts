import type { Message } from 'kafkajs';
import { resolveExchange } from '@klineflow/config';
import {
  createKafka,
  ensureTopics,
  groupConsumerConfig,
  keepConsuming,
  liveFrameHeaders,
  MemoPartitioner,
  rawTopic,
  TOPICS,
} from '@klineflow/kafka';
import type { ServiceContext } from '@klineflow/observability';
import { AttemptBudget } from './attempt-budget.js';
import { BackfillService } from './backfill.js';
import { createIngestMetrics } from './metrics.js';
import { outageBackfillRequests } from './outage.js';
import { planConnections, type ConnectionPlan } from './plan.js';
import { RawProducer } from './producer.js';
import { EXCHANGES, type ExchangeProtocol } from '@klineflow/exchange-modules';
import { ConnectionSlot, type FrameSink } from './slot.js';

/** Reconnect SLO: a connection down longer than this degrades /health. */
const CONNECTION_DOWN_SLO_MS = 3000;
const TICK_MS = 1000;
const SHUTDOWN_DRAIN_MS = 5000;

/** The whole ingest service for one exchange: plan, connect, publish, backfill, report. */
export async function runIngest(ctx: ServiceContext, protocol: ExchangeProtocol): Promise<void> {
  const { exchange } = protocol;
  const config = resolveExchange(ctx.config, exchange);
  if (!config) {
    ctx.logger.warn(`websocket.${exchange}.enabled is false: nothing to ingest`);
    return;
  }
  const plans = planConnections(config, protocol, ctx.config.ingest);
  const metrics = createIngestMetrics(ctx.registry, exchange);
  const kafka = createKafka(ctx.config.kafka, `ingest-${exchange}`);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, ctx.config.kafka.partitions);
  await admin.disconnect();

  const kafkaProducer = kafka.producer({ idempotent: false, allowAutoTopicCreation: false, createPartitioner: MemoPartitioner });
  await kafkaProducer.connect();
  const topic = rawTopic(exchange);
  const slots: ConnectionSlot[] = [];
  const producer = new RawProducer({
    producer: kafkaProducer,
    topic,
    lingerMs: ctx.config.kafka.linger_ms,
    maxBuffered: ctx.config.kafka.max_buffered_messages,
    onBackpressure: (paused) => slots.forEach((slot) => (paused ? slot.pause() : slot.resume())),
    onAvailability: (available) =>
      ctx.health.set('kafka-producer', available ? 'up' : 'down', available ? undefined : 'sends failing; retrying'),
    metrics,
    logger: ctx.logger,
  });
  ctx.health.set('kafka-producer', 'up');
  const publish = (message: Message) => producer.enqueue(message);
  const sink: FrameSink = (connId, key, text, recvTs) =>
    producer.enqueue({ key, value: text, headers: liveFrameHeaders(exchange, connId, recvTs) });

  // Bars that closed while a connection was down are asked for at once, where the exchange has history.
  const requestOutageBackfill = (streams: ConnectionPlan['streams']) => (start: number, end: number) => {
    const requests = outageBackfillRequests(exchange, streams, start, end, Date.now());
    if (requests.length === 0) return;
    kafkaProducer
      .send({ topic: TOPICS.backfillRequests, acks: -1, messages: requests.map((r) => ({ key: exchange, value: JSON.stringify(r) })) })
      .catch((error: unknown) =>
        ctx.logger.error('outage backfill requests not sent; the normalizer will still find the gaps', {
          error,
          requests: requests.length,
        }),
      );
  };
  const { connectAttempts, connectSpacingMs } = EXCHANGES[exchange].facts.limits;
  const attempts = connectAttempts && new AttemptBudget(connectAttempts.count, connectAttempts.perMs);
  const shards: ConnectionSlot[][] = [];
  for (const plan of plans) {
    const onOutage = protocol.backfill ? requestOutageBackfill(plan.streams) : undefined;
    const twins: ConnectionSlot[] = [];
    for (let replica = 0; replica < config.redundancy; replica++) {
      const slot: ConnectionSlot = new ConnectionSlot({
        slotId: `${plan.id}-r${replica}`,
        plan,
        config,
        protocol,
        sink,
        metrics,
        logger: ctx.logger,
        onOutage,
        attempts,
        twinDelivers: () => twins.some((twin) => twin !== slot && twin.status().up),
      });
      twins.push(slot);
    }
    shards.push(twins);
  }
  // Every shard's first connection starts before any shard's standby: all streams flow sooner.
  for (let replica = 0; replica < config.redundancy; replica++) {
    for (const twins of shards) slots.push(twins[replica]!);
  }
  ctx.logger.info('connection plan', {
    exchange,
    shard: ctx.config.ingest,
    connections: slots.length,
    streams: plans.reduce((sum, p) => sum + p.streams.length, 0),
  });
  const startTimers = slots.map((slot, i) => setTimeout(() => slot.start(), i * connectSpacingMs));

  const tick = setInterval(() => {
    const now = Date.now();
    metrics.flush();
    metrics.queueDepth.set({ topic }, producer.depth);
    for (const slot of slots) {
      const status = slot.status(now);
      const name = `ws:${status.slotId}`;
      const downTooLong = status.downSince !== undefined && now - status.downSince > CONNECTION_DOWN_SLO_MS;
      ctx.health.set(
        name,
        downTooLong ? 'degraded' : 'up',
        status.up ? undefined : `down since ${new Date(status.downSince ?? now).toISOString()}`,
      );
      if (status.lastFrameAt > 0) {
        ctx.health.touch(name, status.lastFrameAt);
        metrics.lastMessageAge.set({ exchange, conn_id: status.slotId }, (now - status.lastFrameAt) / 1000);
      }
    }
  }, TICK_MS);

  const backfill = new BackfillService({ config, protocol, publish, metrics, logger: ctx.logger, health: ctx.health });
  // The market-data connections must not go down with Kafka: the consumer is replaced in-process.
  const backfillGroup = `${ctx.config.kafka.client_id}-ingest-${exchange}-backfill`;
  const backfillConsumer = await keepConsuming({
    group: { kafka, groupId: backfillGroup, logger: ctx.logger },
    create: () => {
      const consumer = kafka.consumer(groupConsumerConfig(backfillGroup));
      consumer.on(consumer.events.GROUP_JOIN, () => ctx.health.set('backfill-consumer', 'up'));
      return consumer;
    },
    run: async (consumer) => {
      await consumer.connect();
      await backfill.consume(consumer);
    },
    restarting: (error) => {
      ctx.health.set('backfill-consumer', 'degraded', `restarting after: ${error.message}`);
      ctx.logger.warn('backfill-requests consumer crashed; restarting', { error: error.message });
    },
    fatal: (error) => {
      ctx.health.set('backfill-consumer', 'down', String(error));
      try {
        ctx.fail('backfill-requests consumer crashed', error);
      } catch {
        // fail() throws to stop its caller; here the caller is an event handler and the process is already exiting.
      }
    },
  });
  ctx.health.set('backfill-consumer', 'up');

  ctx.onShutdown(async () => {
    clearInterval(tick);
    startTimers.forEach(clearTimeout);
    backfill.stop();
    slots.forEach((slot) => slot.stop());
    // Leaving the group and flushing the queue are independent: do both at once.
    await Promise.all([backfillConsumer.stop().catch(() => undefined), producer.drain(SHUTDOWN_DRAIN_MS)]);
    metrics.flush();
    await kafkaProducer.disconnect();
  });
}
