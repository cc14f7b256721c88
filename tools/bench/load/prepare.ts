// Before a run: make sure nothing else runs the platform (the bench owns the machine and the
// consumer groups), then start from a clean state without destroying anyone's data — only the
// bench's own Redis keys, ClickHouse database and normalizer state are cleared, and the
// klineflow consumer groups skip whatever backlog the shared topics hold.
import { createConnection } from 'node:net';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { metricsPortKey, SERVICES, type KlineflowConfig } from '@klineflow/config';
import { EXCHANGE_IDS, INTERVALS } from '@klineflow/exchanges';
import { klineKey, Partitioners, RAW_TOPICS, TOPICS } from '@klineflow/kafka';
import { deleteKeysUnder } from '../shared/redis-keys.js';
import type { Admin, Kafka } from 'kafkajs';
import { BENCH_DATABASE, BENCH_KEY_PREFIX } from './config.js';
import type { GroupSpec } from './probes/lag.js';

/** The consumer groups of the platform and what they read. */
export function platformGroups(config: KlineflowConfig): GroupSpec[] {
  return [
    { groupId: 'normalizer', topics: RAW_TOPICS },
    { groupId: 'redis-writer', topics: [TOPICS.klines, TOPICS.tickers, TOPICS.depth] },
    { groupId: 'clickhouse-sink', topics: [TOPICS.klines] },
    ...EXCHANGE_IDS.map((exchange) => ({
      groupId: `${config.kafka.client_id}-ingest-${exchange}-backfill`,
      topics: [TOPICS.backfillRequests],
    })),
  ];
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ports the run needs (simulator and every service's /metrics) that something already listens on. */
export async function busyPorts(config: KlineflowConfig): Promise<string[]> {
  const wanted = [
    ...Object.entries(config.simulator.ports).map(([name, port]) => [`simulator ${name}`, port] as const),
    ...SERVICES.map((s) => [`${s.name} /metrics`, config.metrics.ports[metricsPortKey(s.name)]] as const),
  ];
  const busy: string[] = [];
  for (const [name, port] of wanted) if (await portInUse(port)) busy.push(`${name} :${port}`);
  return busy;
}

/** Waits (a killed member holds its partitions until its session expires) until every group is empty; returns the ones that are not. */
export async function busyGroups(admin: Admin, groups: readonly GroupSpec[], waitMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const described = await admin.describeGroups(groups.map((g) => g.groupId));
    const busy = described.groups.filter((g) => g.members.length > 0).map((g) => `${g.groupId} (${g.state}, ${g.members.length} members)`);
    if (busy.length === 0 || Date.now() >= deadline) return busy;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A platform consumer group became active while the bench was preparing. */
export class GroupBusyError extends Error {}

export interface CleanState {
  /** Messages each group would have had to work through first, skipped by moving its offsets to the topics' ends. */
  readonly backlogSkipped: Record<string, number>;
  readonly redisKeysDeleted: number;
  readonly normalizerStateTombstones: number;
}

/**
 * kafkajs's setOffsets joins the group with a throw-away consumer for one topic and leaves again;
 * the next call, for the group's next topic, may find the group still rebalancing after that leave.
 * So: retry while the group settles, and give up only if it stays busy (someone else consumes).
 */
async function setOffsetsWhenEmpty(
  admin: Admin,
  groupId: string,
  topic: string,
  partitions: Array<{ partition: number; offset: string }>,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await admin.setOffsets({ groupId, topic, partitions });
      return;
    } catch (error) {
      if (Date.now() >= deadline) {
        throw new GroupBusyError(
          `cannot move consumer group ${groupId} to the ends of ${topic}: ${(error as Error).message}. ` +
            'Something else consumes with it; stop it and run the benchmark again.',
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Moves each group's committed offsets to the ends of its topics (the groups must be empty). */
async function skipBacklog(admin: Admin, groups: readonly GroupSpec[]): Promise<Record<string, number>> {
  const skipped: Record<string, number> = {};
  for (const group of groups) {
    const committed = await admin.fetchOffsets({ groupId: group.groupId, topics: [...group.topics] });
    let backlog = 0;
    for (const topic of group.topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic);
      for (const end of ends) {
        const at = Number(mine?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
        backlog += Number(end.high) - (at >= 0 ? at : Number(end.low));
      }
      await setOffsetsWhenEmpty(
        admin,
        group.groupId,
        topic,
        ends.map((e) => ({ partition: e.partition, offset: e.high })),
      );
    }
    skipped[group.groupId] = backlog;
  }
  return skipped;
}

/**
 * Forgets the bench streams' integrity state (tombstones in the compacted normalizer-state topic),
 * so a run does not start by reporting, as gaps, every bar since the previous run and backfilling
 * them; and, after a run, so that no later normalizer (anyone's) loads the bench's streams, closes
 * their HTX bars by the clock and asks for backfills of symbols nobody subscribes to.
 * Keyed and partitioned exactly as the normalizer writes the state.
 */
export async function forgetNormalizerState(kafka: Kafka, symbols: readonly string[]): Promise<number> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = EXCHANGE_IDS.flatMap((exchange) =>
      symbols.flatMap((symbol) => INTERVALS.map((interval) => ({ key: klineKey(exchange, symbol, interval), value: null }))),
    );
    for (let i = 0; i < messages.length; i += 5000) {
      await producer.send({ topic: TOPICS.normalizerState, acks: -1, messages: messages.slice(i, i + 5000) });
    }
    return messages.length;
  } finally {
    await producer.disconnect();
  }
}

export async function dropBenchDatabase(url: string): Promise<void> {
  const client = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${BENCH_DATABASE}` });
  } finally {
    await client.close();
  }
}

export async function cleanState(kafka: Kafka, admin: Admin, config: KlineflowConfig, symbols: readonly string[]): Promise<CleanState> {
  await dropBenchDatabase(config.storage.clickhouse.url);
  const redisKeysDeleted = await deleteKeysUnder(config.storage.redis.url, BENCH_KEY_PREFIX);
  const normalizerStateTombstones = await forgetNormalizerState(kafka, symbols);
  const backlogSkipped = await skipBacklog(admin, platformGroups(config));
  return { backlogSkipped, redisKeysDeleted, normalizerStateTombstones };
}

/** After the run (the normalizer stopped): the bench's keys and database go, unless --keep-data. */
export async function removeBenchData(config: KlineflowConfig): Promise<void> {
  await deleteKeysUnder(config.storage.redis.url, BENCH_KEY_PREFIX);
  await dropBenchDatabase(config.storage.clickhouse.url);
}
