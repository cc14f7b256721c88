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
  const consumer = kafka.consumer({ groupId: `dead-letter-tail-${process.pid}-${Date.now()}-${Math.random()}` });
  const letters: DeadLetter[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.deadLetter, fromBeginning: false });
  await consumer.run({ eachMessage: async ({ message }) => void letters.push(JSON.parse(message.value?.toString() ?? 'null') as DeadLetter) });
  for (const { partition, high } of ends) consumer.seek({ topic: TOPICS.deadLetter, partition, offset: high });
  return { letters, stop: () => consumer.disconnect() };
}
