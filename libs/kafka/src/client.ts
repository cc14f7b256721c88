import { Kafka, logLevel, type Admin, type Consumer, type ConsumerConfig, type ITopicConfig } from 'kafkajs';
import type { KlineflowConfig } from '@klineflow/config';
import { ALL_TOPICS } from './topics.js';

export function createKafka(config: KlineflowConfig['kafka'], clientId: string): Kafka {
  return new Kafka({
    clientId: `${config.client_id}-${clientId}`,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    // Reconnect fast after a broker restart; kafkajs' own retry gives up after ~5 attempts otherwise.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 20 },
  });
}

/** How long a consumer may keep failing transiently (a broker restarting) before its service gives up and exits. */
export const TRANSIENT_FAILURE_WINDOW_MS = 60_000;

/**
 * kafkajs asks this after each crash on a retriable error. Yes while the failures are one
 * stretch shorter than `windowMs`: a broker restart is ridden out in-process. Past it the
 * consumer stays down and the service exits (see onConsumerCrash) rather than idle as a zombie.
 */
export function restartWhileTransient(windowMs = TRANSIENT_FAILURE_WINDOW_MS, now: () => number = Date.now): () => Promise<boolean> {
  let failingSince = 0;
  let lastFailureAt = -Infinity;
  return async () => {
    const at = now();
    if (at - lastFailureAt > windowMs) failingSince = at;
    lastFailureAt = at;
    return at - failingSince < windowMs;
  };
}

/**
 * Settings of every klineflow consumer group. A member killed without leaving holds its
 * partitions until its session expires, so the session is short (10 s, not kafkajs' 30 s).
 * A short long-poll keeps SIGTERM prompt.
 */
export function groupConsumerConfig(groupId: string, maxWaitTimeInMs = 500): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs,
    retry: { retries: 10, restartOnFailure: restartWhileTransient() },
  };
}

/** A crash kafkajs recovers from (it restarts the consumer) only degrades; a final one is fatal. */
export function onConsumerCrash(consumer: Consumer, handlers: { restarting(error: Error): void; fatal(error: Error): void }): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => (payload.restart ? handlers.restarting(payload.error) : handlers.fatal(payload.error)));
}

/** Creates every topic klineflow uses (idempotent) and waits until their leaders are known. */
export async function ensureTopics(admin: Admin, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = ALL_TOPICS.filter((t) => !existing.has(t.topic)).map((t) => ({
    topic: t.topic,
    numPartitions: partitions,
    replicationFactor: 1,
    configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
  }));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  await admin.fetchTopicMetadata({ topics: ALL_TOPICS.map((t) => t.topic) });
}
