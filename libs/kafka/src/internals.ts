import type { Kafka } from 'kafkajs';

/**
 * The slice of kafkajs' internal cluster and broker objects that klineflow reaches past the public
 * API for: group eviction (membership.ts) and group-less reads (whole-topic.ts). kafkajs is pinned
 * at 2.2.4, its last release, so these do not move under us; the tests of both callers run against
 * a real broker.
 */
export interface InternalBroker {
  describeGroups(request: { groupIds: string[] }): Promise<{ groups: Array<{ members: Array<{ memberId: string; clientId: string }> }> }>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: FetchedPartition[] }> }>;
}

export interface FetchedPartition {
  partition: number;
  errorCode: number;
  messages: Array<{
    offset: string;
    key: Buffer | null;
    value: Buffer | null;
    batchContext?: { firstOffset: string; lastOffsetDelta: number };
  }>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(request: { nodeId: string }): Promise<InternalBroker>;
}

/** A fresh internal cluster of `kafka`'s settings (brokers, client id, retry, socket factory). */
export function internalCluster(kafka: Kafka): InternalCluster {
  const create = Object.getOwnPropertySymbols(kafka).find((symbol) => symbol.description === 'private:Kafka:createCluster');
  if (create === undefined) throw new Error('kafkajs no longer exposes createCluster: libs/kafka/src/internals.ts needs updating');
  return (kafka as unknown as Record<symbol, (options: object) => InternalCluster>)[create]!({});
}
