import type { Kafka } from 'kafkajs';
import { readWholeTopic, TOPICS } from '@klineflow/kafka';
import type { StreamSnapshot } from './integrity/snapshot.js';

/**
 * Reads the compacted `normalizer-state` topic from the beginning to its current end, so a
 * restart resumes with each stream's last closed bar, open gaps and volume window.
 * Until the log cleaner has run, the topic holds many snapshots per stream: only the last of each
 * is parsed, and `onProgress` runs after every round trip so a caller inside a consumer can heartbeat.
 */
export async function loadStreamStates(
  kafka: Kafka,
  timeoutMs = 60_000,
  onProgress: () => Promise<void> = async () => undefined,
): Promise<Map<string, StreamSnapshot>> {
  const latest = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`normalizer-state not read to its end within ${timeoutMs} ms`)), timeoutMs);
  });
  const read = readWholeTopic(
    kafka,
    TOPICS.normalizerState,
    (records) => {
      for (const record of records) {
        const key = record.key?.toString();
        if (!key) continue;
        if (record.value === null)
          latest.delete(key); // tombstone
        else latest.set(key, record.value.toString());
      }
    },
    onProgress,
  );
  read.catch(() => undefined); // past the deadline its own failure has no one left to tell
  try {
    await Promise.race([read, deadline]);
  } finally {
    clearTimeout(timer);
  }
  return new Map([...latest].map(([key, json]) => [key, JSON.parse(json) as StreamSnapshot]));
}
