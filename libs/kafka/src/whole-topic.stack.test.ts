// Needs the local stack (bash tools/stack/stack.sh up): real Kafka on 127.0.0.1:9092.
// Private topic per run, deleted at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '@klineflow/config';
import { createKafka } from './client.js';
import { readWholeTopic } from './whole-topic.js';

test(
  'a whole topic is read without a consumer group: every partition to the end it had, each in offset order',
  { timeout: 60_000 },
  async () => {
    const kafka = createKafka(loadConfig([], {}).kafka, 'whole-topic-test');
    const topic = `whole-topic-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Partition 0: 2,500 records in batches of 500, so that fetches answer whole batches; partition 1 empty; partition 2 one record.
      for (let batch = 0; batch < 5; batch++) {
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: 500 }, (_, i) => ({
            partition: 0,
            key: `k${(batch * 500 + i) % 7}`,
            value: String(batch * 500 + i),
          })),
        });
      }
      await producer.send({ topic, acks: -1, messages: [{ partition: 2, key: 'only', value: null }] });
      const groupsBefore = (await admin.listGroups()).groups.length;

      const seen: Array<{ key: string | undefined; value: string | null }> = [];
      let rounds = 0;
      const reading = readWholeTopic(
        kafka,
        topic,
        (records) => seen.push(...records.map((r) => ({ key: r.key?.toString(), value: r.value?.toString() ?? null }))),
        async () => void rounds++,
      );
      // Written after the read began: not part of "the end it had".
      await reading;
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: 'late', value: 'late' }] });

      const values = seen.filter((r) => r.value !== null).map((r) => Number(r.value));
      assert.deepEqual(
        values,
        Array.from({ length: 2500 }, (_, i) => i),
        'partition 0 whole, in order, nothing twice',
      );
      assert.deepEqual(
        seen.filter((r) => r.value === null),
        [{ key: 'only', value: null }],
        'a tombstone arrives as a null value',
      );
      assert.ok(rounds >= 1, 'progress is reported');
      assert.equal((await admin.listGroups()).groups.length, groupsBefore, 'no consumer group was created');
    } finally {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
);
