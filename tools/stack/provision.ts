// Creates the Kafka topics and the ClickHouse database and table, and waits until the
// Kafka group coordinator answers (kafkajs #1752: groups fail while __consumer_offsets is created).
import { existsSync, readFileSync } from 'node:fs';
import { createClient } from '@clickhouse/client';
import { loadConfig } from '@klineflow/config';
import { createKafka, ensureTopics } from '@klineflow/kafka';
import type { Admin, ConfigResourceTypes } from 'kafkajs';
import { clickhouseConnection } from '@klineflow/sink-runtime';

const config = loadConfig();

/** `offsets.topic.segment.bytes` of kafka-server.properties (1 MiB, Kafka's least): the value has one home. */
function offsetsSegmentBytes(): string {
  const properties = readFileSync(new URL('kafka-server.properties', import.meta.url), 'utf8');
  const value = /^offsets\.topic\.segment\.bytes=(\d+)$/m.exec(properties)?.[1];
  if (value === undefined) throw new Error('tools/stack/kafka-server.properties sets no offsets.topic.segment.bytes');
  return value;
}
const OFFSETS_SEGMENT_BYTES = offsetsSegmentBytes();
/** kafkajs' ConfigResourceTypes.TOPIC and ConfigSource.TOPIC_CONFIG (enum values: types only may come from kafkajs here). */
const TOPIC = 2 as ConfigResourceTypes;
const TOPIC_CONFIG = 1;

/**
 * A restarted broker answers COORDINATOR_LOAD_IN_PROGRESS until it has read a group's partition of
 * __consumer_offsets, and an 82 MB partition (hours of benchmark commits in its active segment, which
 * the log cleaner never touches) kept the groups waiting over 5 s after a restart. Small segments let
 * the cleaner compact it; at 8 MiB a restart still spent 3.9 s loading six partitions of 17 MB (133k
 * commits in one), and the chaos suite's broker restart came within 0.2 s of its 5 s bound, so the
 * active segment is as small as Kafka allows. Brokers provisioned before the setting get it on their existing topic;
 * kafkajs' AlterConfigs replaces a topic's whole set of overrides, so the current ones go along.
 */
async function keepOffsetsTopicCompact(admin: Admin): Promise<void> {
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC, name: '__consumer_offsets' }] });
  const entries = resources[0]?.configEntries ?? [];
  if (entries.some((e) => e.configName === 'segment.bytes' && e.configValue === OFFSETS_SEGMENT_BYTES)) return;
  const overrides = entries
    .filter((e) => e.configSource === TOPIC_CONFIG && e.configName !== 'segment.bytes')
    .map((e) => ({ name: e.configName, value: e.configValue }));
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      { type: TOPIC, name: '__consumer_offsets', configEntries: [...overrides, { name: 'segment.bytes', value: OFFSETS_SEGMENT_BYTES }] },
    ],
  });
  console.error(
    `[stack] __consumer_offsets: segment.bytes ${OFFSETS_SEGMENT_BYTES} (was ${entries.find((e) => e.configName === 'segment.bytes')?.configValue})`,
  );
}

async function provisionKafka(): Promise<void> {
  const kafka = createKafka(config.kafka, 'provision');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config.kafka.partitions);
    // Forces __consumer_offsets into existence and waits until its coordinator has loaded (after a
    // restart it answers GROUP_LOAD_IN_PROGRESS for a while), so the first consumer group does not race it.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await admin.fetchOffsets({ groupId: 'klineflow-provision', topics: ['kline-data'] });
        break;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    await keepOffsetsTopicCompact(admin);
  } finally {
    await admin.disconnect();
  }
}

async function provisionClickhouse(): Promise<void> {
  const ddl = 'apps/clickhouse-sink/src/ddl.ts';
  if (!existsSync(ddl)) return;
  const { ensureSchema } = (await import(`../../${ddl}`)) as { ensureSchema: (c: unknown, db: string) => Promise<void> };
  const client = createClient(clickhouseConnection(config.storage.clickhouse));
  try {
    await ensureSchema(client, config.storage.clickhouse.database);
  } finally {
    await client.close();
  }
}

await provisionKafka();
await provisionClickhouse();
console.error('[stack] topics, database and table are ready');
