import { Kafka, logLevel, type Admin, type ConsumerConfig, type ITopicConfig } from 'kafkajs';
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

/**
 * Settings of every klineflow consumer group. A member killed without leaving holds its
 * partitions until its session expires, so the session is short (10 s, not kafkajs' 30 s).
 * A consumer that restarts itself can end up alive and idle: a crash ends the process instead,
 * and the orchestrator restarts it. A short long-poll keeps SIGTERM prompt.
 */
export function groupConsumerConfig(groupId: string, maxWaitTimeInMs = 500): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs,
    retry: { retries: 10, restartOnFailure: async () => false },
  };
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
