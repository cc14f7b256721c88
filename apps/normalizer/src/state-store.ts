import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { TOPICS } from '@klineflow/kafka';
import type { StreamState } from './integrity/stream.js';

/**
 * Reads the compacted `normalizer-state` topic from the beginning to its current end, so a
 * restart resumes with each stream's last closed bar, open gaps and volume window.
 * kafkajs has no manual partition assignment: a throw-away consumer group does the read.
 * Until the log cleaner has run, the topic holds many snapshots per stream: only the last of each
 * is parsed, and `onProgress` runs after every batch so a caller inside a consumer can heartbeat.
 */
export async function loadStreamStates(kafka: Kafka, timeoutMs = 60_000, onProgress: () => Promise<void> = async () => undefined): Promise<Map<string, StreamState>> {
  const latest = new Map<string, string>();
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `normalizer-state-loader-${randomUUID()}`;
  try {
    const ends = await admin.fetchTopicOffsets(TOPICS.normalizerState);
    const remaining = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
    if (remaining.size === 0) return new Map();
    const consumer = kafka.consumer({ groupId, retry: { retries: 5 } });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPICS.normalizerState, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`normalizer-state not read to its end within ${timeoutMs} ms`)), timeoutMs);
        consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const key = message.key?.toString();
              if (!key) continue;
              if (message.value === null) latest.delete(key); // tombstone
              else latest.set(key, message.value.toString());
            }
            await onProgress();
            const end = remaining.get(batch.partition);
            if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        }).catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return new Map([...latest].map(([key, json]) => [key, JSON.parse(json) as StreamState]));
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
