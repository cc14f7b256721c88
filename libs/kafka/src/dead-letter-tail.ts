import type { Kafka } from 'kafkajs';
import { TOPICS } from './topics.js';
import type { DeadLetter } from '@klineflow/schemas';

/**
 * Reads the shared `dead-letter` topic from its current end on, for stack tests: what a test's
 * sink dead-letters arrives here, and earlier letters (other runs, other engineers) are skipped.
 */
export async function tailDeadLetters(kafka: Kafka): Promise<{ letters: DeadLetter[]; stop(): Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(TOPICS.deadLetter).finally(() => admin.disconnect());
  const groupId = `dead-letter-tail-${process.pid}-${Date.now()}-${Math.random()}`;
  const consumer = kafka.consumer({ groupId });
  const letters: DeadLetter[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.deadLetter, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => void letters.push(JSON.parse(message.value?.toString() ?? 'null') as DeadLetter),
  });
  for (const { partition, high } of ends) consumer.seek({ topic: TOPICS.deadLetter, partition, offset: high });
  const stop = async () => {
    await consumer.disconnect();
    // A shared broker keeps no trace of the test.
    const cleaner = kafka.admin();
    await cleaner.connect();
    await cleaner
      .deleteGroups([groupId])
      .catch(() => undefined)
      .finally(() => cleaner.disconnect());
  };
  return { letters, stop };
}
