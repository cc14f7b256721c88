// A consumer-group member for membership.stack.test.ts, run as its own process so that the test can
// kill it with SIGKILL: no LeaveGroup, no goodbye, as a crashed service would die.
//   node --import tsx membership.test-member.ts <client_id prefix> <group> <topic>
import { loadConfig } from '@klineflow/config';
import { createKafka, groupConsumerConfig } from './client.js';

const [prefix, groupId, topic] = process.argv.slice(2) as [string, string, string];
const kafka = createKafka({ ...loadConfig([], {}).kafka, client_id: prefix }, 'member');
const consumer = kafka.consumer(groupConsumerConfig(groupId));
consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => console.log(JSON.stringify({ joined: payload.memberId })));
await consumer.connect();
await consumer.subscribe({ topic });
await consumer.run({ eachMessage: async () => undefined });
