// npm run bench:hops [-- --seconds 30]: where the time from receipt goes, hop by hop, on a running
// platform (for example `npm start -- --config config/local-sim.toml`). Every record carries recv_time
// (taken by the ingest as the frame arrived) and Kafka's CreateTime (taken by the producer as it sent),
// so each Kafka hop splits into "before the send" and "send to consume". The same-run baseline is a
// bare kafkajs relay (consume raw.*, send each batch on, no normalizing): what two kafkajs hops cost
// on this broker and machine at this moment, whatever klineflow does.
import type { KafkaMessage } from 'kafkajs';
import { CompressionTypes, createKafka, groupConsumerConfig, MemoPartitioner, RAW_TOPICS, TOPICS } from '@klineflow/kafka';
import { loadConfig } from '@klineflow/config';
import { percentileOfSorted } from '../load/stats.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 30;
const run = Date.now();
// The platform's own config (--config, as for npm start) names the broker and the partition count.
const config = loadConfig();
const kafka = createKafka(config.kafka, 'bench-hops');
const samples: Record<string, number[]> = {};
const add = (name: string, ms: number) => (samples[name] ??= []).push(ms);
const recvOfRaw = (m: KafkaMessage) => Number(m.headers?.recv_ts?.toString());

async function observe(topics: readonly string[], group: string, onBatch: (messages: KafkaMessage[], now: number) => void) {
  const consumer = kafka.consumer({ ...groupConsumerConfig(group), maxWaitTimeInMs: 100 });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => onBatch(batch.messages, Date.now()) });
  return consumer;
}

const relayTopic = `bench-hops-relay-${run}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: relayTopic, numPartitions: config.kafka.partitions }], waitForLeaders: true });
const producer = kafka.producer({ createPartitioner: MemoPartitioner, idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
let relayChain = Promise.resolve();
const consumers = [
  await observe(RAW_TOPICS, `bench-hops-raw-${run}`, (messages, now) => {
    for (const m of messages) {
      add('raw: recv → ingest send', Number(m.timestamp) - recvOfRaw(m));
      add('raw: ingest send → consumed', now - Number(m.timestamp));
    }
  }),
  await observe([TOPICS.klines], `bench-hops-klines-${run}`, (messages, now) => {
    for (const m of messages) {
      const recv = (JSON.parse(m.value!.toString()) as { recv_time: number }).recv_time;
      add('kline-data: recv → normalizer send', Number(m.timestamp) - recv);
      add('kline-data: normalizer send → consumed', now - Number(m.timestamp));
      add('kline-data: recv → consumed', now - recv);
    }
  }),
  // The relay sends each fetched batch on as it comes, one send at a time, as the normalizer does.
  await observe(RAW_TOPICS, `bench-hops-relay-${run}`, (messages, now) => {
    for (const m of messages) add('baseline relay: recv → its fetch', now - recvOfRaw(m));
    relayChain = relayChain.then(async () => {
      await producer.send({
        topic: relayTopic,
        acks: -1,
        compression: CompressionTypes.None,
        messages: messages.map((m) => ({ key: m.key, value: m.value })),
      });
      const acked = Date.now();
      for (const m of messages) add('baseline relay: recv → its send acknowledged', acked - recvOfRaw(m));
    });
  }),
];

await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
await Promise.all(consumers.map((c) => c.disconnect()));
await relayChain;
await producer.disconnect();
await admin.deleteTopics({ topics: [relayTopic] });
await admin.disconnect();

console.log(`| hop (ms) | records | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|`);
for (const [name, values] of Object.entries(samples)) {
  const sorted = values.sort((a, b) => a - b);
  console.log(`| ${name} | ${sorted.length} | ${[50, 90, 99, 100].map((p) => percentileOfSorted(sorted, p)).join(' | ')} |`);
}
process.exit(0);
