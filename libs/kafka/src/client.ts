import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Admin, Consumer, ConsumerConfig, ISocketFactory, ITopicConfig, KafkaConfig, SASLOptions } from 'kafkajs';
import { Kafka, logLevel } from './kafkajs.js';
import type { KlineflowConfig } from '@klineflow/config';
import { ALL_TOPICS } from './topics.js';
import { evictPreviousIncarnation, kafkaClientId } from './membership.js';
import type { LagLogger } from './lag.js';

const CLIENT_IDS = new WeakMap<Kafka, string>();

/** A client of one app instance; its id names the instance (see kafkaClientId). */
export function createKafka(config: KlineflowConfig['kafka'], app: string): Kafka {
  const clientId = kafkaClientId(config.client_id, app);
  const kafka = new Kafka({
    clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    // Reconnect fast after a broker restart; kafkajs' own retry gives up after ~5 attempts otherwise.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 20 },
    socketFactory: noDelaySocketFactory,
    ...kafkaSecurity(config),
  });
  CLIENT_IDS.set(kafka, clientId);
  return kafka;
}

/** The TLS and SASL options of a client, from `[kafka.tls]` and `[kafka.sasl]` (checked by libs/config). */
export function kafkaSecurity(config: Pick<KlineflowConfig['kafka'], 'sasl' | 'tls'>): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { sasl, tls: tlsConfig } = config;
  return {
    ...(tlsConfig.enabled ? { ssl: tlsConfig.ca_file ? { ca: [readFileSync(tlsConfig.ca_file, 'utf8')] } : true } : {}),
    // kafkajs types each mechanism apart: a union of the two does not narrow to either.
    ...(sasl.mechanism !== 'none'
      ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions }
      : {}),
  };
}

/**
 * kafkajs' own factory leaves Nagle's algorithm on, so a small request written while an earlier one
 * on the same connection is unacknowledged (a commit behind a long-poll fetch) may wait for the
 * peer's delayed ACK. The Java client and the broker disable Nagle for the same reason.
 */
export const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  return socket;
};

/**
 * Longest a consumer start waits for the eviction of its dead incarnation: a few round trips when
 * the broker answers, and a broker that is down must not hold the start back once it is up again.
 */
const EVICTION_DEADLINE_MS = 1_500;
/**
 * Pause before a crashed consumer is replaced. A broker restart ends consumers with "coordinator is
 * loading" for a second or two after it accepts connections: short retries catch the moment it is done.
 */
const CONSUMER_RETRY_MS = 250;

/** How long a consumer may keep failing transiently (a broker restarting) before its service gives up and exits. */
export const TRANSIENT_FAILURE_WINDOW_MS = 60_000;

/**
 * Whether to replace a crashed consumer: yes while the failures are one stretch shorter than
 * `windowMs`, so a broker restart is ridden out in-process. Past it the consumer stays down and
 * the service exits (see keepConsuming) rather than idle as a zombie.
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
 * kafkajs never restarts a crashed consumer itself: keepConsuming replaces it, whatever the
 * error, under one failure window. A short long-poll keeps SIGTERM prompt.
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

/**
 * A compacted topic is read whole at every normalizer start. The cleaner only compacts closed
 * segments (1 GiB or 7 days by default), so small, short segments keep that read near one snapshot
 * per stream instead of every snapshot since the topic was created.
 */
const COMPACTED_TOPIC_CONFIG = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.bytes', value: String(16 * 1024 * 1024) },
  { name: 'segment.ms', value: String(10 * 60_000) },
  { name: 'min.cleanable.dirty.ratio', value: '0.2' },
];

/** Creates every topic klineflow uses (idempotent) and waits until their leaders are known. */
export async function ensureTopics(admin: Admin, partitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = ALL_TOPICS.filter((t) => !existing.has(t.topic)).map((t) => ({
    topic: t.topic,
    numPartitions: partitions,
    replicationFactor: 1,
    configEntries: t.compacted ? COMPACTED_TOPIC_CONFIG : [],
  }));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  await admin.fetchTopicMetadata({ topics: ALL_TOPICS.map((t) => t.topic) });
}

export interface KeepConsumingOptions {
  create(): Consumer;
  /** Connects, subscribes and runs the consumer it is given. */
  run(consumer: Consumer): Promise<void>;
  restarting(error: Error): void;
  fatal(error: Error): void;
  /**
   * The group the consumer joins, on a client from createKafka: before every join, a previous
   * incarnation of this instance that died without leaving is evicted (evictPreviousIncarnation):
   * a killed process, or a consumer of this process that crashed while the broker was away.
   */
  group?: { kafka: Kafka; groupId: string; logger: LagLogger };
  retryMs?: number;
  windowMs?: number;
}

/**
 * Keeps a consumer going through crashes: a broker restart can end one with "No broker available"
 * or "Failed to find group coordinator" (which kafkajs counts as final). A fresh consumer takes
 * over after `retryMs`, for as long as the failures last less than the transient window; past it
 * `fatal` decides. Resolves once the first consumer runs; a failure to start at all is thrown.
 */
export async function keepConsuming(options: KeepConsumingOptions): Promise<{ stop(): Promise<void> }> {
  const shouldRestart = restartWhileTransient(options.windowMs);
  let current: Consumer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const replace = async (error: Error) => {
    if (stopped) return;
    await current?.disconnect().catch(() => undefined);
    if (!(await shouldRestart())) {
      options.fatal(error);
      return;
    }
    options.restarting(error);
    timer = setTimeout(() => void start().catch((e: Error) => replace(e)), options.retryMs ?? CONSUMER_RETRY_MS);
  };
  const start = async () => {
    await evictDeadIncarnation();
    const consumer = options.create();
    current = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => void replace(payload.error));
    await options.run(consumer);
  };
  const { group } = options;
  const clientId = group && CLIENT_IDS.get(group.kafka);
  // Best effort and bounded: without it the join only waits out the dead member's session.
  const evictDeadIncarnation = async () => {
    if (!group || clientId === undefined) return;
    const eviction = evictPreviousIncarnation(group.kafka, group.groupId, clientId);
    let deadline: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`no answer within ${EVICTION_DEADLINE_MS} ms`)), EVICTION_DEADLINE_MS);
    });
    try {
      const memberIds = await Promise.race([eviction, timeout]);
      if (memberIds.length > 0)
        group.logger.info('evicted the previous incarnation from the consumer group', { group: group.groupId, members: memberIds });
    } catch (error) {
      eviction.catch(() => undefined);
      group.logger.warn('could not evict a previous incarnation; joining anyway', {
        group: group.groupId,
        error: (error as Error).message,
      });
    } finally {
      clearTimeout(deadline);
    }
  };
  await start();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current?.disconnect();
    },
  };
}
