// One consumer-group member for rejoin.mjs: joins --group on --topic and prints a JSON line
// {"partitions": n, "at": epoch ms} each time the number of partitions it holds changes.
//   node rejoin-member.mjs --client kafkajs|platformatic|rdkafka --protocol classic|consumer
//     [--instance-id ID] --group G --topic T [--clients-dir /tmp/kafka-clients] [--brokers 127.0.0.1:9092]
import { createRequire } from 'node:module';
import { join } from 'node:path';

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}
const client = arg('client');
const protocol = arg('protocol', 'classic');
const instanceId = arg('instance-id', '') || undefined;
const groupId = arg('group');
const topic = arg('topic');
const brokers = arg('brokers', '127.0.0.1:9092').split(',');
const require = createRequire(join(arg('clients-dir', '/tmp/kafka-clients'), 'package.json'));
const SESSION_MS = 10_000;

let held = -1;
function report(partitions) {
  if (partitions === held) return;
  held = partitions;
  process.stdout.write(`${JSON.stringify({ partitions, at: Date.now() })}\n`);
}
process.stdout.write(`${JSON.stringify({ started: Date.now() })}\n`);

if (client === 'kafkajs') {
  if (protocol !== 'classic' || instanceId) throw new Error('kafkajs has only the classic protocol, without static membership');
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: 'bench-rejoin', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, sessionTimeout: SESSION_MS, heartbeatInterval: 1_000, maxWaitTimeInMs: 500 });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    report(Object.values(payload.memberAssignment).reduce((n, p) => n + p.length, 0)),
  );
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({ eachBatch: async () => undefined });
  process.once('SIGTERM', () => void consumer.disconnect().then(() => process.exit(0)));
} else if (client === 'platformatic') {
  const { Consumer } = require('@platformatic/kafka');
  const group =
    protocol === 'consumer'
      ? { groupProtocol: 'consumer', ...(instanceId ? { groupInstanceId: instanceId } : {}) }
      : {
          groupProtocol: 'classic',
          sessionTimeout: SESSION_MS,
          heartbeatInterval: 1_000,
          ...(instanceId ? { groupInstanceId: instanceId } : {}),
        };
  const consumer = new Consumer({ clientId: 'bench-rejoin', bootstrapBrokers: brokers, groupId, maxWaitTime: 500, ...group });
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'latest',
    autocommit: false,
    ...(protocol === 'classic' ? { sessionTimeout: SESSION_MS, heartbeatInterval: 1_000 } : {}),
  });
  stream.on('data', () => undefined);
  setInterval(() => report((consumer.assignments ?? []).reduce((n, a) => n + a.partitions.length, 0)), 10);
  process.once(
    'SIGTERM',
    () =>
      void stream
        .close()
        .then(() => consumer.close())
        .then(() => process.exit(0)),
  );
} else if (client === 'rdkafka' || client === 'confluent') {
  const Kafka = require(client === 'rdkafka' ? 'node-rdkafka' : '@confluentinc/kafka-javascript');
  const config =
    protocol === 'consumer'
      ? // KIP-848: session and heartbeat are the broker's (group.consumer.*), assignment is server-side.
        { 'group.protocol': 'consumer' }
      : { 'session.timeout.ms': SESSION_MS, 'heartbeat.interval.ms': 1_000 };
  const consumer = new Kafka.KafkaConsumer(
    {
      'metadata.broker.list': brokers.join(','),
      'client.id': 'bench-rejoin',
      'group.id': groupId,
      'enable.auto.commit': false,
      ...(instanceId ? { 'group.instance.id': instanceId } : {}),
      ...config,
    },
    { 'auto.offset.reset': 'latest' },
  );
  await new Promise((resolve, reject) => consumer.connect({}, (error) => (error ? reject(error) : resolve())));
  consumer.subscribe([topic]);
  consumer.setDefaultConsumeTimeout(100);
  const loop = () => consumer.consume(100, () => setImmediate(loop));
  loop();
  const poll = setInterval(() => report(consumer.assignments().length), 10);
  process.once('SIGTERM', () => {
    clearInterval(poll);
    consumer.disconnect(() => process.exit(0));
  });
} else {
  throw new Error(`unknown --client ${client}`);
}
