import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';
import { internalCluster } from './internals.js';

/**
 * The Kafka client id of one app instance: `<client_id>-<app>-<host>`. The host is the pod name on
 * Kubernetes, which a restarted container keeps, so a restart carries the same id as the
 * incarnation it replaces and no other live instance shares it.
 */
export function kafkaClientId(clientIdPrefix: string, app: string, host = hostname()): string {
  return `${clientIdPrefix}-${app}-${host}`;
}

/**
 * Static group membership (KIP-345) by hand, which kafkajs lacks. A member killed without leaving
 * (kill -9, OOM) holds its partitions until its session expires, and its restart would wait that
 * long to be given any. Before joining, the restart asks the coordinator to remove every member
 * with its own client id: the previous incarnation, dead by definition, so the group rebalances at
 * once. Returns the member ids removed. A group that does not exist yet has nobody to remove.
 */
export async function evictPreviousIncarnation(kafka: Kafka, groupId: string, clientId: string): Promise<string[]> {
  const cluster = internalCluster(kafka);
  await cluster.connect();
  try {
    // The broker list comes with metadata; kafkajs would otherwise fetch it on a retry, and an eviction client makes one attempt.
    await cluster.refreshMetadata();
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    const { groups } = await coordinator.describeGroups({ groupIds: [groupId] });
    const stale = (groups[0]?.members ?? []).filter((member) => member.clientId === clientId).map((member) => member.memberId);
    for (const memberId of stale) await coordinator.leaveGroup({ groupId, memberId });
    return stale;
  } finally {
    await cluster.disconnect();
  }
}
