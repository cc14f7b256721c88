// The drain benchmark's baseline: a bare kafkajs consume loop with the settings of every klineflow
// consumer (libs/kafka groupConsumerConfig), that only touches each message's value (sums the
// lengths) and commits each batch. Run as its own process, bundled like the apps:
//   node dist/bench/drain/baseline-consumer.js --config <toml> --group <id> --topics a,b --max-wait-ms 500
import { loadConfig } from '@klineflow/config';
import { createKafka, groupConsumerConfig } from '@klineflow/kafka';

function arg(name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const groupId = arg('group');
const topics = arg('topics').split(',');
const maxWait = Number(arg('max-wait-ms', '500'));
// The apps' client settings (brokers, retries) from the same config file they run with.
const kafka = createKafka(loadConfig(process.argv).kafka, 'bench-baseline');
const consumer = kafka.consumer(groupConsumerConfig(groupId, maxWait));

let messages = 0;
let bytes = 0;
await consumer.connect();
for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
    let last: string | undefined;
    for (const message of batch.messages) {
      bytes += message.value?.length ?? 0;
      last = message.offset;
    }
    if (last === undefined) return;
    messages += batch.messages.length;
    resolveOffset(last);
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
    await heartbeat();
  },
});

const stop = async () => {
  await consumer.disconnect();
  process.stderr.write(`${JSON.stringify({ baseline: groupId, messages, bytes })}\n`);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
