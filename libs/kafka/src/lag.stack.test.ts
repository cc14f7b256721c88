// Needs the local stack (bash tools/stack/stack.sh up): real Kafka on 127.0.0.1:9092.
// Private topic and group per run; the topic is deleted at the end (it is this test's own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { loadConfig } from '@klineflow/config';
import { createKafka } from './client.js';
import { startLagExporter } from './lag.js';

async function waitFor(what: string, deadlineMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `partition -> value` of the lag gauge for `group`, read from the registry as Prometheus would. */
async function scraped(registry: Registry, group: string): Promise<Record<string, number>> {
  const text = await registry.getSingleMetricAsString('klineflow_consumer_lag_messages');
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^klineflow_consumer_lag_messages\{group="([^"]+)",topic="[^"]+",partition="(\d+)"\} (\d+)$/gm)) {
    if (m[1] === group) out[m[2]!] = Number(m[3]);
  }
  return out;
}

test(
  'the lag gauge shows exactly what a group has left per partition, committed or not, and follows new messages',
  { timeout: 90_000 },
  async () => {
    const config = loadConfig([], {});
    const kafka = createKafka(config.kafka, 'lag-stack-test');
    const topic = `lag-stack-${randomUUID()}`;
    const groupId = `lag-stack-group-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const registry = new Registry();
    const warnings: string[] = [];
    const logger = {
      warn: (m: string, meta?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(meta)}`),
      info: () => undefined,
    };
    const exporter = startLagExporter({ brokers: config.kafka.brokers, groupId, topics: [topic], registry, logger, intervalMs: 200 });
    try {
      await producer.connect();
      // 10, 7 and 5 messages in partitions 0, 1 and 2.
      const produced = { 0: 10, 1: 7, 2: 5 } as Record<number, number>;
      for (const [partition, count] of Object.entries(produced)) {
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: count }, (_, i) => ({ partition: Number(partition), value: `m${i}` })),
        });
      }

      // The group reads everything, but commits only 4 of partition 0 and all of partition 1; partition 2 never.
      const seen: Record<number, number> = { 0: 0, 1: 0, 2: 0 };
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachMessage: async ({ partition }) => void (seen[partition] = (seen[partition] ?? 0) + 1) });
      await waitFor('every message consumed', 30_000, () => seen[0] === 10 && seen[1] === 7 && seen[2] === 5);
      await consumer.commitOffsets([
        { topic, partition: 0, offset: '4' },
        { topic, partition: 1, offset: '7' },
      ]);
      await consumer.disconnect();

      assert.equal(await exporter.refresh(), true, warnings.join('\n'));
      assert.deepEqual(
        await scraped(registry, groupId),
        { 0: 6, 1: 0, 2: 5 },
        'end − commit, and the whole partition where nothing was committed',
      );

      // The timer alone (no refresh) picks up new messages: 3 more in partition 1.
      await producer.send({ topic, acks: -1, messages: [0, 1, 2].map((i) => ({ partition: 1, value: `n${i}` })) });
      await waitFor('the exporter to see the new messages on its own', 15_000, async () => (await scraped(registry, groupId))[1] === 3);
      assert.deepEqual(await scraped(registry, groupId), { 0: 6, 1: 3, 2: 5 });

      // A group that never committed anywhere counts every message of the topic.
      const other = startLagExporter({
        brokers: config.kafka.brokers,
        groupId: `${groupId}-idle`,
        topics: [topic],
        registry,
        intervalMs: 3_600_000,
      });
      assert.equal(await other.refresh(), true);
      assert.deepEqual(await scraped(registry, `${groupId}-idle`), { 0: 10, 1: 10, 2: 5 });
      await other.stop();
      assert.deepEqual(await scraped(registry, `${groupId}-idle`), {}, 'a stopped exporter withdraws its series');
      assert.deepEqual(warnings, [], 'a healthy broker: every round read');
    } finally {
      await exporter.stop();
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
);
