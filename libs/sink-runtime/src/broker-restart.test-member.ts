// A sink consumer for broker-restart.stack.test.ts, run as its own process so that the test can kill
// it with SIGKILL while the broker is away: no LeaveGroup, as a consumer that kafkajs crashed during a
// broker restart leaves none. Prints `flowing` once it has written records.
//   node --import tsx broker-restart.test-member.ts <broker> <client_id prefix> <app> <group> <topic>
import { Registry } from 'prom-client';
import { loadConfig } from '@klineflow/config';
import { createKafka } from '@klineflow/kafka';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import { BatchingSinkConsumer } from './batching-consumer.js';

const [broker, prefix, app, groupId, topic] = process.argv.slice(2) as [string, string, string, string, string];
let flowing = false;
const sink = new BatchingSinkConsumer({
  kafka: createKafka({ ...loadConfig([], {}).kafka, brokers: [broker], client_id: prefix }, app),
  brokers: [broker],
  sink: app,
  groupId,
  topics: [topic],
  maxBatch: 1_000,
  maxDelayMs: 0,
  write: async () => {
    if (!flowing) console.log('flowing');
    flowing = true;
  },
  registry: new Registry(),
  health: new HealthRegistry(),
  logger: createLogger(`${app}-member`, 'warn'),
  onFatal: (reason) => console.error(reason),
});
await sink.start();
