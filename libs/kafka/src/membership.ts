import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';

/**
 * The Kafka client id of one app instance: `<client_id>-<app>-<host>`. The host is the pod name on
 * Kubernetes, which a restarted container keeps, so a restart carries the same id as the
 * incarnation it replaces and no other live instance shares it.
 */
export function kafkaClientId(clientIdPrefix: string, app: string, host = hostname()): string {
  return `${clientIdPrefix}-${app}-${host}`;
}

/** The slice of kafkajs' internal cluster and broker objects that eviction needs (kafkajs is pinned at 2.2.4). */
interface GroupCoordinator {
  describeGroups(request: { groupIds: string[] }): Promise<{ groups: Array<{ members: Array<{ memberId: string; clientId: string }> }> }>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<GroupCoordinator>;
}

function internalCluster(kafka: Kafka): InternalCluster {
  const create = Object.getOwnPropertySymbols(kafka).find((symbol) => symbol.description === 'private:Kafka:createCluster');
  if (create === undefined) throw new Error('kafkajs no longer exposes createCluster: evictPreviousIncarnation needs updating');
  return (kafka as unknown as Record<symbol, (options: object) => InternalCluster>)[create]!({});
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
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    const { groups } = await coordinator.describeGroups({ groupIds: [groupId] });
    const stale = (groups[0]?.members ?? []).filter((member) => member.clientId === clientId).map((member) => member.memberId);
    for (const memberId of stale) await coordinator.leaveGroup({ groupId, memberId });
    return stale;
  } finally {
    await cluster.disconnect();
  }
}
