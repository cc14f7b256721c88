// Needs the local stack (bash tools/stack/stack.sh up): real Kafka on 127.0.0.1:9092.
// Private topic and group per run; the topic is deleted at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@klineflow/config';
import { createKafka, groupConsumerConfig, keepConsuming } from './client.js';

const SESSION_MS = groupConsumerConfig('any').sessionTimeout!;

/** Starts the member script; resolves with the process and its member id once it has joined. */
async function startMember(prefix: string, groupId: string, topic: string) {
  const script = fileURLToPath(new URL('./membership.test-member.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, prefix, groupId, topic], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const memberId = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => resolve((JSON.parse(line) as { joined: string }).joined));
    child.once('exit', (code) => reject(new Error(`member exited with ${code} before joining`)));
  });
  return { child, memberId };
}

test(
  'a restarted member evicts its dead incarnation and gets every partition long before that session would expire',
  { timeout: 60_000 },
  async () => {
    const config = loadConfig([], {});
    const prefix = `membership-${randomUUID().slice(0, 8)}`;
    const topic = `membership-${randomUUID()}`;
    const groupId = `membership-group-${randomUUID()}`;
    const kafka = createKafka({ ...config.kafka, client_id: prefix }, 'member');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const logged: Array<{ message: string; meta?: Record<string, unknown> }> = [];
    const logger = {
      info: (message: string, meta?: Record<string, unknown>) => logged.push({ message, meta }),
      warn: (message: string, meta?: Record<string, unknown>) => logged.push({ message, meta }),
    };
    let runner: { stop(): Promise<void> } | undefined;
    try {
      const dead = await startMember(prefix, groupId, topic);
      dead.child.kill('SIGKILL');
      await new Promise((resolve) => dead.child.once('exit', resolve));
      const restartedAt = Date.now();

      let assigned: { at: number; partitions: number[] } | undefined;
      runner = await keepConsuming({
        group: { kafka, groupId, logger },
        create: () => {
          const consumer = kafka.consumer(groupConsumerConfig(groupId));
          consumer.on(
            consumer.events.GROUP_JOIN,
            ({ payload }) => (assigned = { at: Date.now(), partitions: payload.memberAssignment[topic] ?? [] }),
          );
          return consumer;
        },
        run: async (consumer) => {
          await consumer.connect();
          await consumer.subscribe({ topic });
          await consumer.run({ eachMessage: async () => undefined });
        },
        restarting: (error) => logged.push({ message: 'restarting', meta: { error: error.message } }),
        fatal: (error) => logged.push({ message: 'fatal', meta: { error: error.message } }),
      });
      const deadline = restartedAt + SESSION_MS;
      while (assigned === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

      assert.deepEqual(
        logged.map((l) => l.message),
        ['evicted the previous incarnation from the consumer group'],
        JSON.stringify(logged),
      );
      assert.deepEqual(logged[0]!.meta!.members, [dead.memberId], 'exactly the dead member was removed');
      assert.ok(assigned, `no partitions within the dead member's ${SESSION_MS} ms session`);
      assert.deepEqual([...assigned.partitions].sort(), [0, 1, 2], 'the restart holds every partition');
      assert.ok(
        assigned.at - restartedAt < SESSION_MS / 2,
        `joined ${assigned.at - restartedAt} ms after the restart: the dead session was not waited out`,
      );
      const members = (await admin.describeGroups([groupId])).groups[0]!.members;
      assert.equal(members.length, 1, 'only the new incarnation is in the group');
    } finally {
      await runner?.stop();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  },
);
