// Creates the Kafka topics and the ClickHouse database and table, and waits until the
// Kafka group coordinator answers (kafkajs #1752: groups fail while __consumer_offsets is created).
import { existsSync } from 'node:fs';
import { createClient } from '@clickhouse/client';
import { loadConfig } from '@klineflow/config';
import { createKafka, ensureTopics } from '@klineflow/kafka';
import { clickhouseConnection } from '@klineflow/sink-runtime';

const config = loadConfig();

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
