import type { Admin, KafkaConfig } from 'kafkajs';
import { Kafka, logLevel } from './kafkajs.js';
import type { Gauge, Registry } from 'prom-client';
import { gauge, METRICS } from '@klineflow/observability';

/**
 * Consumer lag of one group, exported as `klineflow_consumer_lag_messages{group,topic,partition}`.
 *
 * Every few seconds one admin connection (kept open between rounds) reads the group's committed
 * offsets (`fetchOffsets`) and each topic's watermarks (`fetchTopicOffsets`); the gauge is the
 * number of offsets between where the group would resume and the partition's end:
 *
 * - committed offset c within [low, high]: lag = high − c;
 * - no committed offset, or one outside [low, high] (retention deleted it): the group resumes where
 *   its reset policy says, as kafkajs does: from the low watermark for groups that subscribe
 *   `fromBeginning` (every klineflow pipeline group), so lag = high − low; from the end otherwise
 *   (the ingest apps' backfill-requests group), so lag = 0.
 *
 * Lag is counted in offsets, which equals messages on klineflow's topics (no transactions; the one
 * compacted topic, normalizer-state, has no consumer group).
 *
 * The figure is the whole group's, read from the broker, so every replica of a service reports every
 * partition of its group: aggregate with `max by (group, topic, partition)` before summing.
 *
 * While Kafka cannot be read the exporter withholds its series (a stale figure would look like flat
 * lag), logs one warning per outage and one line when it reads again, and never throws. It uses its own
 * kafkajs client, silent and with two quick retries, so a broker outage adds no log lines of its own and
 * a round gives up within about a second; the next round is the retry.
 */
export interface LagExporterOptions {
  readonly brokers: readonly string[];
  /** TLS and SASL of the brokers (kafkaSecurity): the exporter has a client of its own. */
  readonly security?: Pick<KafkaConfig, 'ssl' | 'sasl'>;
  readonly clientId?: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly registry: Registry;
  readonly logger?: LagLogger;
  /** Time between the end of one round and the start of the next. Default 5 s. */
  readonly intervalMs?: number;
  /** The group's reset policy for partitions without a usable commit (as in `consumer.subscribe`). Default true. */
  readonly fromBeginning?: boolean;
  /** For tests: the admin to use instead of a quiet kafkajs admin on `brokers`. */
  readonly createAdmin?: () => LagAdmin;
}

export interface LagLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
}

export type LagAdmin = Pick<Admin, 'connect' | 'disconnect' | 'fetchOffsets' | 'fetchTopicOffsets'>;

export interface LagExporter {
  /** Runs one round now (after any round in progress); resolves to whether Kafka answered. Never rejects. */
  refresh(): Promise<boolean>;
  /** Stops the rounds, removes this exporter's series and closes its connection. */
  stop(): Promise<void>;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export const DEFAULT_LAG_INTERVAL_MS = 5_000;

/** Offsets a group still has to read in one partition. `committed` is kafkajs' string, '-1' when there is none. */
export function partitionLag(committed: string, low: string, high: string, fromBeginning: boolean): number {
  const end = Number(high);
  const start = Number(low);
  const at = Number(committed);
  const resumeAt = at >= start && at <= end ? at : fromBeginning ? start : end;
  return Math.max(0, end - resumeAt);
}

/** Lag of every partition of `ends`' topics, from the group's committed offsets. */
export function groupLag(
  committed: ReadonlyArray<{ topic: string; partitions: ReadonlyArray<{ partition: number; offset: string }> }>,
  ends: ReadonlyMap<string, ReadonlyArray<{ partition: number; low: string; high: string }>>,
  fromBeginning: boolean,
): PartitionLag[] {
  const commits = new Map(committed.flatMap((t) => t.partitions.map((p) => [`${t.topic}:${p.partition}`, p.offset] as const)));
  const lags: PartitionLag[] = [];
  for (const [topic, partitions] of ends) {
    for (const { partition, low, high } of partitions) {
      lags.push({ topic, partition, lag: partitionLag(commits.get(`${topic}:${partition}`) ?? '-1', low, high, fromBeginning) });
    }
  }
  return lags.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

type LagLabels = 'group' | 'topic' | 'partition';

/** One gauge per registry, shared by every exporter of the process (a service may watch several groups). */
function lagGauge(registry: Registry): Gauge<LagLabels> {
  return (registry.getSingleMetric(METRICS.consumerLag.name) as Gauge<LagLabels> | undefined) ?? gauge(registry, METRICS.consumerLag);
}

function quietAdmin(options: LagExporterOptions): LagAdmin {
  const kafka = new Kafka({
    clientId: options.clientId ?? `klineflow-lag-${options.groupId}`,
    brokers: [...options.brokers],
    ...options.security,
    logLevel: logLevel.NOTHING,
    // Two quick retries, not kafkajs' half minute: its first calls after a connect need one (the
    // seed broker is not yet in the pool), and the next round is the retry after that.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
  });
  return kafka.admin({ retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } });
}

export function startLagExporter(options: LagExporterOptions): LagExporter {
  const { groupId, topics, logger } = options;
  const fromBeginning = options.fromBeginning ?? true;
  const intervalMs = options.intervalMs ?? DEFAULT_LAG_INTERVAL_MS;
  const lag = lagGauge(options.registry);
  const admin = (options.createAdmin ?? (() => quietAdmin(options)))();
  /** Series this exporter has set, by `topic:partition`, so it removes only its own. */
  const shown = new Map<string, { group: string; topic: string; partition: string }>();
  let connected = false;
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<boolean> = Promise.resolve(true);

  const withdraw = (keep: ReadonlySet<string> = new Set()) => {
    for (const [key, labels] of shown) {
      if (keep.has(key)) continue;
      lag.remove(labels);
      shown.delete(key);
    }
  };

  const poll = async (): Promise<boolean> => {
    if (stopped) return false;
    try {
      if (!connected) {
        await admin.connect();
        connected = true;
      }
      // Commits first, then ends: a commit read after its partition's end could lie past it. One
      // call at a time: kafkajs races its metadata refresh when an admin's first calls overlap.
      const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
      const ends = new Map<string, Awaited<ReturnType<LagAdmin['fetchTopicOffsets']>>>();
      for (const topic of topics) ends.set(topic, await admin.fetchTopicOffsets(topic));
      if (stopped) return false;
      const current = new Set<string>();
      for (const { topic, partition, lag: value } of groupLag(committed, ends, fromBeginning)) {
        const key = `${topic}:${partition}`;
        const labels = { group: groupId, topic, partition: String(partition) };
        lag.set(labels, value);
        shown.set(key, labels);
        current.add(key);
      }
      withdraw(current);
      if (failing) logger?.info('consumer lag readable again', { group: groupId });
      failing = false;
      return true;
    } catch (error) {
      withdraw();
      if (!failing)
        logger?.warn('consumer lag unreadable; its gauge is withheld until Kafka answers (logged once per outage)', {
          group: groupId,
          error: (error as Error).message,
        });
      failing = true;
      if (connected) {
        connected = false;
        await admin.disconnect().catch(() => undefined);
      }
      return false;
    }
  };

  const refresh = (): Promise<boolean> => (round = round.then(poll, poll));
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void refresh().then(schedule), intervalMs);
    timer.unref();
  };
  void refresh().then(schedule);

  return {
    refresh,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round.catch(() => undefined);
      withdraw();
      if (connected) {
        connected = false;
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
