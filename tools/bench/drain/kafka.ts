// Kafka side of the drain benchmark: end offsets, a group's committed offsets, moving an idle group
// to the start of the range, and clearing the benchmark streams' normalizer state afterwards.
import type { Admin, Kafka } from 'kafkajs';
import { AssignerProtocol, Partitioners, TOPICS } from '@klineflow/kafka';
import { partitionKey, splitPartitionKey, type Offsets } from './range.js';

export async function endOffsets(admin: Admin, topics: readonly string[]): Promise<Map<string, bigint>> {
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(partitionKey(topic, p.partition), BigInt(p.high));
  }
  return ends;
}

export async function committedOffsets(admin: Admin, groupId: string, topics: readonly string[]): Promise<Map<string, bigint>> {
  const committed = new Map<string, bigint>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
    for (const p of partitions) committed.set(partitionKey(topic, p.partition), BigInt(p.offset));
  }
  return committed;
}

/** Members of a group; a group that is running cannot be moved, and must not be. */
export async function groupMembers(admin: Admin, groupId: string): Promise<number> {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0]?.members.length ?? 0;
}

/**
 * Consumer groups with a running member assigned any of `topics`: another normalizer (a stack test
 * runs one in its own group) would take the benchmark frames too, write their streams' state, and
 * share the two cores; a reader of the record topics takes CPU while the sinks are timed.
 */
export async function activeReaders(
  admin: Admin,
  topics: readonly string[],
  except: (groupId: string) => boolean = () => false,
): Promise<string[]> {
  const ids = (await admin.listGroups()).groups.filter((g) => g.protocolType === 'consumer' && !except(g.groupId)).map((g) => g.groupId);
  if (ids.length === 0) return [];
  const readers: string[] = [];
  for (const group of (await admin.describeGroups(ids)).groups) {
    const reads = group.members.some((member) => {
      if (member.memberAssignment.length === 0) return false;
      const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {};
      return Object.keys(assignment).some((topic) => topics.includes(topic));
    });
    if (reads) readers.push(group.groupId);
  }
  return readers;
}

/**
 * Waits until the group is Empty (or Dead). kafkajs' setOffsets joins the group with a throw-away
 * member per topic and leaves again: right after that the group is still rebalancing for a moment
 * (or, when the leave was lost, holds the member until its session times out), and the next
 * setOffsets would be refused.
 */
async function untilEmpty(admin: Admin, groupId: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { groups } = await admin.describeGroups([groupId]);
    const state = groups[0]?.state ?? 'Dead';
    if (state === 'Empty' || state === 'Dead') return;
    if (Date.now() >= deadline)
      throw new Error(
        `consumer group "${groupId}" is ${state} with ${groups[0]?.members.length ?? 0} member(s): something else is running in it`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Sets an idle group's committed offsets, partition by partition, to `offsets`. */
export async function setGroupOffsets(admin: Admin, groupId: string, offsets: Offsets): Promise<void> {
  const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const [key, offset] of offsets) {
    const { topic, partition } = splitPartitionKey(key);
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push({ partition, offset: offset.toString() });
  }
  for (const [topic, partitions] of byTopic) {
    await untilEmpty(admin, groupId);
    await admin.setOffsets({ groupId, topic, partitions });
  }
  await untilEmpty(admin, groupId);
}

/**
 * Messages the group had not yet read before the range (its lag at the start): moving it to the
 * range's start skips them. Reported, so nobody wonders where they went.
 */
export async function skippedBacklog(admin: Admin, groupId: string, start: Offsets): Promise<number> {
  const topics = [...new Set([...start.keys()].map((k) => splitPartitionKey(k).topic))];
  const committed = await committedOffsets(admin, groupId, topics);
  let skipped = 0n;
  for (const [key, to] of start) {
    const at = committed.get(key) ?? -1n;
    if (at >= 0n && at < to) skipped += to - at;
  }
  return Number(skipped);
}

/**
 * Moves a group that is not benchmarked past the benchmark's records, so that it never writes them
 * into the real stores: each partition it had read up to the range's start jumps to the range's end.
 * A partition it was behind on is left alone (moving it would skip real records); those are counted.
 */
export async function skipRange(admin: Admin, groupId: string, start: Offsets, end: Offsets): Promise<{ moved: number; behind: number }> {
  const topics = [...new Set([...end.keys()].map((k) => splitPartitionKey(k).topic))];
  const committed = await committedOffsets(admin, groupId, topics);
  const moves = new Map<string, bigint>();
  let behind = 0;
  for (const [key, to] of end) {
    const from = start.get(key) ?? 0n;
    if (to <= from) continue;
    const at = committed.get(key) ?? -1n;
    if (at === from) moves.set(key, to);
    else if (at < from) behind++;
  }
  if (moves.size > 0) await setGroupOffsets(admin, groupId, moves);
  return { moved: moves.size, behind };
}

/**
 * Tombstones in the compacted `normalizer-state` for the benchmark's streams, so that neither the
 * next benchmark nor the real normalizer resumes them (an HTX bar left open would be closed by the
 * clock and its final version requested from the exchange, for a symbol that does not exist).
 * Keyed and partitioned as the normalizer writes them.
 */
export async function clearStreamStates(kafka: Kafka, keys: readonly string[]): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < keys.length; i += 5000) {
      await producer.send({
        topic: TOPICS.normalizerState,
        acks: -1,
        messages: keys.slice(i, i + 5000).map((key) => ({ key, value: null })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The partitions (`topic:partition`) each running member of a group holds, by the member's client id. */
export async function groupAssignment(admin: Admin, groupId: string): Promise<Map<string, string[]>> {
  const held = new Map<string, string[]>();
  for (const group of (await admin.describeGroups([groupId])).groups) {
    for (const member of group.members) {
      const assignment =
        member.memberAssignment.length > 0 ? (AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {}) : {};
      const partitions = Object.entries(assignment).flatMap(([topic, ps]) => ps.map((p) => partitionKey(topic, p)));
      held.set(member.clientId, [...(held.get(member.clientId) ?? []), ...partitions]);
    }
  }
  return held;
}
