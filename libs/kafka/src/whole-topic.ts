import type { Kafka } from 'kafkajs';
import { internalCluster, type FetchedPartition } from './internals.js';

export interface TopicRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** Per partition and request: a compacted state topic's snapshots are small, so few round trips read it all. */
const PARTITION_FETCH_BYTES = 8 * 1024 * 1024;

/**
 * Reads every partition of `topic` from its start to the end it had when the read began, without a
 * consumer group: kafkajs offers no manual assignment, and a throw-away group costs a join (plus the
 * broker's group.initial.rebalance.delay.ms, 3 s by default) on every restart. `onRecords` gets each
 * partition's records in offset order; `onProgress` runs after every round trip (a caller inside a
 * consumer group heartbeats there).
 */
export async function readWholeTopic(
  kafka: Kafka,
  topic: string,
  onRecords: (records: readonly TopicRecord[]) => void,
  onProgress: () => Promise<void> = async () => undefined,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const next = new Map<number, bigint>();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(p.high) > BigInt(p.low)) {
        next.set(p.partition, BigInt(p.low));
        ends.set(p.partition, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  if (next.size === 0) return;
  const cluster = internalCluster(kafka);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    while (next.size > 0) {
      for (const [nodeId, partitions] of Object.entries(cluster.findLeaderForPartitions(topic, [...next.keys()]))) {
        const broker = await cluster.findBroker({ nodeId });
        const { responses } = await broker.fetch({
          replicaId: -1,
          isolationLevel: 1,
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: PARTITION_FETCH_BYTES * partitions.length,
          topics: [
            {
              topic,
              partitions: partitions.map((partition) => ({
                partition,
                fetchOffset: String(next.get(partition)),
                maxBytes: PARTITION_FETCH_BYTES,
              })),
            },
          ],
        });
        for (const fetched of responses.flatMap((r) => r.partitions)) {
          if (fetched.errorCode !== 0) throw new Error(`reading ${topic}[${fetched.partition}]: Kafka error code ${fetched.errorCode}`);
          const from = next.get(fetched.partition)!;
          // A fetch answers whole record batches: the first may start before the offset asked for.
          const fresh = fetched.messages.filter((m) => BigInt(m.offset) >= from);
          if (fresh.length > 0) onRecords(fresh);
          const after = offsetAfter(from, fetched.messages);
          if (after === undefined || after >= ends.get(fetched.partition)!) next.delete(fetched.partition);
          else next.set(fetched.partition, after);
        }
      }
      await onProgress();
    }
  } finally {
    await cluster.disconnect();
  }
}

/**
 * Where a partition's next fetch starts: past the last record batch the response held. In a compacted
 * topic the cleaner removes records but keeps each batch's last offset, and the end offset can lie past
 * the last record left: stepping past the last *record* fetched the same batch again, forever (a
 * normalizer restart then timed out reading normalizer-state). Undefined once nothing at or after
 * `from` is left: the broker answers a fetch below the end with at least one batch if there is one.
 */
export function offsetAfter(from: bigint, messages: FetchedPartition['messages']): bigint | undefined {
  const last = messages[messages.length - 1];
  if (!last) return undefined;
  const afterRecord = BigInt(last.offset) + 1n;
  const context = last.batchContext;
  const afterBatch = context ? BigInt(context.firstOffset) + BigInt(context.lastOffsetDelta) + 1n : afterRecord;
  const after = afterBatch > afterRecord ? afterBatch : afterRecord;
  return after > from ? after : undefined;
}
