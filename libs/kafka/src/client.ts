import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Admin, Consumer, ConsumerConfig, ISocketFactory, ITopicConfig, KafkaConfig, SASLOptions } from 'kafkajs';
import { Kafka, logLevel } from './kafkajs.js';
import type { KlineflowConfig } from '@klineflow/config';
import { ALL_TOPICS } from './topics.js';
import { evictPreviousIncarnation, kafkaClientId } from './membership.js';
import type { LagLogger } from './lag.js';

/** Per client of createKafka: its id, and a twin client of the same settings whose requests are never retried (evictions). */
const EVICTION_CLIENTS = new WeakMap<Kafka, { clientId: string; kafka: Kafka }>();

/** A client of one app instance; its id names the instance (see kafkaClientId). */
export function createKafka(config: KlineflowConfig['kafka'], app: string): Kafka {
  const clientId = kafkaClientId(config.client_id, app);
  const settings: KafkaConfig = {
    clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    // Reconnect fast after a broker restart; kafkajs' own retry gives up after ~5 attempts otherwise.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 20 },
    socketFactory: noDelaySocketFactory,
    ...kafkaSecurity(config),
  };
  const kafka = new Kafka(settings);
  // One attempt per call, each bounded: keepConsuming paces the eviction's retries itself (EVICTION_RETRY_MS).
  const eviction = new Kafka({ ...settings, retry: { retries: 0 }, requestTimeout: EVICTION_ATTEMPT_MS, logLevel: logLevel.NOTHING });
  EVICTION_CLIENTS.set(kafka, { clientId, kafka: eviction });
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

/** Longest one attempt at evicting a dead incarnation may take: a few round trips when the broker answers. */
const EVICTION_ATTEMPT_MS = 1_500;
/**
 * Pause between eviction attempts while the broker is down or its group coordinator is still loading
 * `__consumer_offsets` after a restart: short, so the start follows the coordinator within a fraction
 * of a second, and each attempt is one refused connection or one small request, so it cannot spin hot.
 */
const EVICTION_RETRY_MS = 200;
/**
 * How long a consumer start keeps trying the eviction before it joins anyway. Joining before the
 * eviction is pointless: a coordinator that is loading refuses the join too, and a dead incarnation
 * left in the group holds the join back for its whole session (10 s after the coordinator loaded it).
 */
const EVICTION_PATIENCE_MS = 30_000;
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

/** Errors of kafkajs that no retry will cure: the broker refuses the client, or cannot speak its protocol. */
const REFUSALS = new Set(['KafkaJSSASLAuthenticationError', 'KafkaJSServerDoesNotSupportApiKey']);

/**
 * Whether a kafkajs error may pass by itself: a broker away, a coordinator not found, loading or
 * moving, a timeout. Judged by its root cause, since kafkajs wraps what it gave up on in a
 * non-retriable error; a refusal (authentication, an authorization error code) is not transient.
 */
export function isTransientKafkaError(error: unknown): boolean {
  let root = error as { name?: unknown; cause?: unknown; retriable?: unknown } | undefined;
  while (root && typeof root === 'object' && root.cause && typeof root.cause === 'object') root = root.cause as typeof root;
  if (typeof root?.name === 'string' && REFUSALS.has(root.name)) return false;
  return !(root?.name === 'KafkaJSProtocolError' && root.retriable === false);
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
    if (stopped) return;
    const consumer = options.create();
    current = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => void replace(payload.error));
    await options.run(consumer);
  };
  const { group } = options;
  const evictor = group && EVICTION_CLIENTS.get(group.kafka);
  const evictOnce = async () => {
    const eviction = evictPreviousIncarnation(evictor!.kafka, group!.groupId, evictor!.clientId);
    let deadline: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`no answer within ${EVICTION_ATTEMPT_MS} ms`)), EVICTION_ATTEMPT_MS);
    });
    try {
      return await Promise.race([eviction, timeout]);
    } finally {
      eviction.catch(() => undefined);
      clearTimeout(deadline);
    }
  };
  // Retried while the broker is away or loading (a broker restart); without it the join waits out the dead member's session.
  const evictDeadIncarnation = async () => {
    if (!group || !evictor) return;
    const since = Date.now();
    let attempts = 0;
    while (!stopped) {
      attempts++;
      try {
        const memberIds = await evictOnce();
        // Logged when it did something, or when it had to wait for the broker (a restart's trace).
        if (memberIds.length > 0 || attempts > 1)
          group.logger.info(
            memberIds.length > 0
              ? 'evicted the previous incarnation from the consumer group'
              : 'no previous incarnation in the consumer group',
            { group: group.groupId, members: memberIds, attempts, waited_ms: Date.now() - since },
          );
        return;
      } catch (error) {
        if (stopped) return;
        if (!isTransientKafkaError(error) || Date.now() - since >= EVICTION_PATIENCE_MS) {
          group.logger.warn('could not evict a previous incarnation; joining anyway', {
            group: group.groupId,
            error: (error as Error).message,
            attempts,
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, EVICTION_RETRY_MS));
      }
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
