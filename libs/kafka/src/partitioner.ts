import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';
import { Partitioners } from './kafkajs.js';

/** Keys remembered per topic before the memory starts again: far more than the streams of a deployment. */
const MAX_KEYS_PER_TOPIC = 200_000;

/**
 * kafkajs' Java-compatible default partitioner, remembering each string key's partition. The
 * default hashes every message (murmur2 over a fresh Buffer, plus an array filter): a measurable
 * share of the normalizer's CPU, for keys that repeat (one per stream) all day.
 */
export const MemoPartitioner: ICustomPartitioner = () => {
  const javaCompatible = Partitioners.DefaultPartitioner();
  const topics = new Map<string, { partitions: number; byKey: Map<string, number> }>();
  return (args: PartitionerArgs) => {
    const { topic, partitionMetadata, message } = args;
    if ((message.partition !== null && message.partition !== undefined) || typeof message.key !== 'string') return javaCompatible(args);
    let memo = topics.get(topic);
    if (!memo || memo.partitions !== partitionMetadata.length || memo.byKey.size >= MAX_KEYS_PER_TOPIC) {
      memo = { partitions: partitionMetadata.length, byKey: new Map() };
      topics.set(topic, memo);
    }
    let partition = memo.byKey.get(message.key);
    if (partition === undefined) {
      partition = javaCompatible(args);
      memo.byKey.set(message.key, partition);
    }
    return partition;
  };
};
