// One measurement of one Kafka client, in its own process (so CPU and RSS are the client's alone):
//   node worker.mjs --client kafkajs|platformatic|confluent|rdkafka --mode consume|produce|relay
//     --clients-dir /tmp/kafka-clients --brokers 127.0.0.1:9092 --topic T --messages N
//     [--group G] [--dest D] [--frames file.jsonl]
// Prints one JSON line on stdout: messages, window seconds, rate, CPU seconds (user+system, every
// thread of the process: librdkafka's own threads count too) over the window, peak RSS (VmHWM).
//
// consume: a consumer-group member reads every partition from the beginning, decodes key, value and
//   every header to strings (as the normalizer does) and commits each batch it was handed.
// produce: the messages of --frames, cycled up to N, sent with acks=all in batches of 2,000 with one
//   batch in flight (the ingest app's RawProducer), Java-compatible murmur2 partitioning by key.
// relay: consume as above, hand each message to a producer (idempotent, acks=all, one request in
//   flight) and commit the offsets of what was handed over once the send carrying it was
//   acknowledged; fetching waits while 20,000 messages are unsent (the normalizer's kafka-loop).
//
// The clients are loaded from --clients-dir (a scratch npm project, see install.sh), never from the
// repository's dependencies.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const client = arg('client');
const mode = arg('mode');
const brokers = arg('brokers', '127.0.0.1:9092').split(',');
const topic = arg('topic');
const total = Number(arg('messages'));
const groupId = arg('group', `bench-clients-${client}-${mode}-${process.pid}`);
const dest = arg('dest', '');
const require = createRequire(join(arg('clients-dir', '/tmp/kafka-clients'), 'package.json'));

const PRODUCE_BATCH = 2000;
const MAX_UNSENT = 20_000;
/** Largest produce request of the JS clients: no partition's record batch may exceed the broker's 1 MiB. */
const MAX_REQUEST_BYTES = 900_000;

// ---- measurement -------------------------------------------------------------------------------
const startedAt = performance.now();
let firstAt = 0;
let firstCpu;
let sink = 0; // keeps the decoded strings observable, so the decode is not optimised away
function first() {
  if (firstAt === 0) {
    firstAt = performance.now();
    firstCpu = process.cpuUsage();
  }
}
function finish(extra = {}) {
  const end = performance.now();
  const cpu = process.cpuUsage(firstCpu);
  const seconds = (end - firstAt) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const result = {
    client,
    mode,
    messages: total,
    seconds,
    rate: total / seconds,
    cpuSeconds,
    cpuPerMillion: (cpuSeconds / total) * 1e6,
    cpuUser: cpu.user / 1e6,
    cpuSystem: cpu.system / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    startSeconds: (firstAt - startedAt) / 1000,
    sink,
    ...extra,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function loadFrames() {
  return readFileSync(arg('frames'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}
/** The i-th message to produce: the frames file cycled. */
function* produceMessages(frames) {
  for (let i = 0; i < total; i++) yield frames[i % frames.length];
}

/** Splits messages into requests of at most MAX_REQUEST_BYTES of keys, values and headers. */
function splitBytes(messages) {
  const chunks = [];
  let chunk = [];
  let bytes = 0;
  for (const m of messages) {
    const size = m.size;
    if (bytes + size > MAX_REQUEST_BYTES && chunk.length > 0) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
function sizeOf(key, value, headers) {
  let size = (key?.length ?? 0) + (value?.length ?? 0) + 16;
  for (const name in headers) size += name.length + headers[name].length + 4;
  return size;
}

/**
 * The normalizer's send pump: one send in flight; what accumulated meanwhile goes in the next one;
 * offsets of what a send carried are committed once it is acknowledged.
 */
class RelayPump {
  constructor(send, commit) {
    this.send = send;
    this.commit = commit;
    this.pending = [];
    this.offsets = new Map();
    this.running = undefined;
    this.relayed = 0;
    this.waiters = [];
  }
  add(message, offsetKey, offset) {
    this.pending.push(message);
    this.offsets.set(offsetKey, offset);
  }
  get unsent() {
    return this.pending.length;
  }
  kick() {
    if (this.running || this.pending.length === 0) return;
    this.running = (async () => {
      while (this.pending.length > 0) {
        const messages = this.pending;
        const offsets = this.offsets;
        this.pending = [];
        this.offsets = new Map();
        await this.send(messages);
        await this.commit([...offsets.values()]);
        this.relayed += messages.length;
      }
    })().finally(() => {
      this.running = undefined;
      for (const w of this.waiters.splice(0)) w();
    });
    this.running.catch((error) => {
      console.error(error);
      process.exit(1);
    });
  }
  idle() {
    return this.running ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }
}

// ---- kafkajs (the project's client and settings, libs/kafka) -------------------------------------
async function runKafkajs() {
  const { Kafka, logLevel, Partitioners, CompressionTypes } = require('kafkajs');
  const kafka = new Kafka({
    clientId: `bench-${client}`,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 20 },
    socketFactory: ({ host, port, onConnect }) => {
      const socket = net.connect({ host, port }, onConnect);
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 60_000);
      return socket;
    },
  });
  const consumerConfig = { groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500, retry: { retries: 10 } };
  const decodeHeaders = (headers) => {
    const out = {};
    for (const name in headers) out[name] = headers[name]?.toString();
    return out;
  };
  if (mode === 'produce') {
    const frames = loadFrames();
    const producer = kafka.producer({
      idempotent: false,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    let batch = [];
    first();
    for (const f of produceMessages(frames)) {
      batch.push({ key: f.key, value: f.value, headers: f.headers });
      if (batch.length === PRODUCE_BATCH) {
        await producer.send({ topic: dest, acks: -1, messages: batch });
        batch = [];
      }
    }
    if (batch.length > 0) await producer.send({ topic: dest, acks: -1, messages: batch });
    finish();
    await producer.disconnect();
    return;
  }
  const consumer = kafka.consumer(consumerConfig);
  let producer;
  let pump;
  if (mode === 'relay') {
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    pump = new RelayPump(
      async (messages) => {
        for (const chunk of splitBytes(messages))
          await producer.sendBatch({ topicMessages: [{ topic: dest, messages: chunk }], acks: -1, compression: CompressionTypes.None });
      },
      (offsets) => consumer.commitOffsets(offsets),
    );
  }
  let consumed = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      first();
      let last;
      let taken = 0;
      for (const message of batch.messages) {
        // Exactly `total` messages are taken, whatever the topic holds beyond them.
        if (consumed + taken >= total) break;
        taken++;
        const key = message.key?.toString();
        const value = message.value?.toString() ?? '';
        const headers = decodeHeaders(message.headers);
        sink += value.length;
        if (pump)
          pump.add({ key, value, headers, size: sizeOf(key, value, headers) }, batch.partition, {
            topic: batch.topic,
            partition: batch.partition,
            offset: (BigInt(message.offset) + 1n).toString(),
          });
        last = message.offset;
      }
      if (last === undefined) return;
      resolveOffset(last);
      consumed += taken;
      if (pump) {
        pump.kick();
        if (pump.unsent >= MAX_UNSENT) await pump.idle();
      } else {
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      }
      await heartbeat();
      if (consumed >= total) done();
    },
  });
  await finished;
  if (pump) {
    while (pump.relayed < total) {
      pump.kick();
      await pump.idle();
    }
  }
  finish();
  await consumer.disconnect();
  await producer?.disconnect();
}

// ---- @platformatic/kafka -------------------------------------------------------------------------
async function runPlatformatic() {
  const {
    Producer,
    Consumer,
    stringSerializers,
    stringDeserializers,
    ProduceAcks,
    compatibilityPartitioner,
  } = require('@platformatic/kafka');
  const base = { clientId: `bench-${client}`, bootstrapBrokers: brokers };
  if (mode === 'produce') {
    const frames = loadFrames();
    const producer = new Producer({
      ...base,
      serializers: stringSerializers,
      idempotent: false,
      acks: ProduceAcks.ALL,
      partitioner: compatibilityPartitioner,
      autocreateTopics: false,
    });
    let batch = [];
    first();
    for (const f of produceMessages(frames)) {
      batch.push({ topic: dest, key: f.key, value: f.value, headers: f.headers });
      if (batch.length === PRODUCE_BATCH) {
        await producer.send({ messages: batch });
        batch = [];
      }
    }
    if (batch.length > 0) await producer.send({ messages: batch });
    finish();
    await producer.close();
    return;
  }
  // Fetch sizes as kafkajs' defaults (its own are 50 MB a fetch and a partition).
  const fetchSizes =
    process.env.BENCH_PLATFORMATIC_FETCH === 'default' ? {} : { maxBytes: 10 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 };
  const consumer = new Consumer({
    ...base,
    groupId,
    deserializers: stringDeserializers,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTime: 500,
    ...fetchSizes,
  });
  let producer;
  let pump;
  if (mode === 'relay') {
    producer = new Producer({
      ...base,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      partitioner: compatibilityPartitioner,
      autocreateTopics: false,
    });
    pump = new RelayPump(
      async (messages) => {
        for (const chunk of splitBytes(messages)) await producer.send({ messages: chunk });
      },
      // message.commit() commits offset + 1 through the stream's single-flight, monotonic committer.
      (lastMessages) => Promise.all(lastMessages.map((m) => m.commit())),
    );
  }
  const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
  let consumed = 0;
  let sinceCommit = 0;
  const lastByPartition = new Map();
  await new Promise((resolve, reject) => {
    stream.on('error', reject);
    stream.on('data', (message) => {
      if (consumed >= total) return;
      first();
      // Decoded by the stream's string deserialisers: key, value, every header name and value.
      let headers = {};
      for (const [name, value] of message.headers) headers[name] = value;
      sink += message.value.length;
      consumed++;
      if (pump) {
        pump.add(
          { topic: dest, key: message.key, value: message.value, headers, size: sizeOf(message.key, message.value, headers) },
          message.partition,
          message,
        );
        pump.kick();
        if (pump.unsent >= MAX_UNSENT && !stream.isPaused()) {
          stream.pause();
          void pump.idle().then(() => stream.resume());
        }
      } else {
        // Commit what was handed over every 2,000 messages (a kafkajs batch is about that size).
        lastByPartition.set(message.partition, message);
        if (++sinceCommit >= PRODUCE_BATCH || consumed >= total) {
          sinceCommit = 0;
          for (const m of lastByPartition.values()) m.commit().catch(reject);
          lastByPartition.clear();
        }
      }
      if (consumed >= total) resolve();
    });
  });
  if (pump) {
    while (pump.relayed < total) {
      pump.kick();
      await pump.idle();
    }
  } else {
    // The last commits went through the single-flight committer: wait for one more (it coalesces).
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  finish();
  await stream.close();
  await consumer.close(true);
  await producer?.close();
}

// ---- @confluentinc/kafka-javascript, its KafkaJS-compatible API (librdkafka underneath) -----------
async function runConfluent() {
  const { Kafka, CompressionTypes } = require('@confluentinc/kafka-javascript').KafkaJS;
  const kafka = new Kafka({ kafkaJS: { clientId: `bench-${client}`, brokers, logLevel: 1 } });
  if (mode === 'produce') {
    const frames = loadFrames();
    const producer = kafka.producer({
      kafkaJS: { acks: -1, idempotent: false, allowAutoTopicCreation: false, compression: CompressionTypes.None },
      'linger.ms': 5,
    });
    await producer.connect();
    let batch = [];
    first();
    for (const f of produceMessages(frames)) {
      batch.push({ key: f.key, value: f.value, headers: f.headers });
      if (batch.length === PRODUCE_BATCH) {
        await producer.send({ topic: dest, messages: batch });
        batch = [];
      }
    }
    if (batch.length > 0) await producer.send({ topic: dest, messages: batch });
    finish();
    await producer.disconnect();
    return;
  }
  const consumer = kafka.consumer({
    kafkaJS: { groupId, fromBeginning: true, autoCommit: false, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 500 },
    // The default eachBatch size is 32 messages; 2,000 is about a kafkajs batch.
    'js.consumer.max.batch.size': 2000,
  });
  let producer;
  let pump;
  if (mode === 'relay') {
    producer = kafka.producer({
      kafkaJS: { acks: -1, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, compression: CompressionTypes.None },
      'linger.ms': 5,
    });
    await producer.connect();
    pump = new RelayPump(
      (messages) => producer.send({ topic: dest, messages }),
      (offsets) => consumer.commitOffsets(offsets),
    );
  }
  let consumed = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      first();
      let last;
      let taken = 0;
      for (const message of batch.messages) {
        // Exactly `total` messages are taken, whatever the topic holds beyond them.
        if (consumed + taken >= total) break;
        taken++;
        const key = message.key?.toString();
        const value = message.value?.toString() ?? '';
        const headers = {};
        for (const name in message.headers) headers[name] = message.headers[name]?.toString();
        sink += value.length;
        if (pump)
          pump.add({ key, value, headers }, batch.partition, {
            topic: batch.topic,
            partition: batch.partition,
            offset: (BigInt(message.offset) + 1n).toString(),
          });
        last = message.offset;
      }
      if (last === undefined) return;
      resolveOffset(last);
      consumed += taken;
      if (pump) {
        pump.kick();
        if (pump.unsent >= MAX_UNSENT) await pump.idle();
      } else {
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      }
      if (consumed >= total) done();
    },
  });
  await finished;
  if (pump) {
    while (pump.relayed < total) {
      pump.kick();
      await pump.idle();
    }
  }
  finish();
  await consumer.disconnect();
  await producer?.disconnect();
}

// ---- node-rdkafka, its native API (consume(n) loop, delivery reports) ----------------------------
async function runRdkafka() {
  const Kafka = require('node-rdkafka');
  const common = { 'metadata.broker.list': brokers.join(','), 'client.id': `bench-${client}`, 'socket.nagle.disable': true };
  const producerConfig = (idempotent) => ({
    ...common,
    dr_cb: true,
    'request.required.acks': -1,
    'enable.idempotence': idempotent,
    'linger.ms': 5,
    // librdkafka's default partitioner is CRC32-based; murmur2_random is the Java client's.
    partitioner: 'murmur2_random',
    'queue.buffering.max.messages': 200_000,
    'queue.buffering.max.kbytes': 262_144,
    ...(idempotent ? { 'max.in.flight.requests.per.connection': 1 } : {}),
  });
  /** A producer whose sendAll resolves once every message handed to it was acknowledged. */
  const makeProducer = async (idempotent) => {
    const producer = new Kafka.Producer(producerConfig(idempotent));
    let outstanding = 0;
    let waiter;
    producer.on('delivery-report', (error) => {
      if (error) {
        console.error(error);
        process.exit(1);
      }
      if (--outstanding === 0 && waiter) {
        const w = waiter;
        waiter = undefined;
        w();
      }
    });
    producer.setPollInterval(5);
    await new Promise((resolve, reject) => producer.connect({}, (error) => (error ? reject(error) : resolve())));
    const sendAll = (messages) => {
      for (const m of messages) {
        const headers = [];
        for (const name in m.headers) headers.push({ [name]: m.headers[name] });
        outstanding++;
        producer.produce(dest, null, Buffer.from(m.value), m.key, null, null, headers);
      }
      producer.poll();
      return outstanding === 0 ? Promise.resolve() : new Promise((resolve) => (waiter = resolve));
    };
    const close = () => new Promise((resolve) => producer.disconnect(() => resolve()));
    return { sendAll, close };
  };
  if (mode === 'produce') {
    const frames = loadFrames();
    const producer = await makeProducer(false);
    let batch = [];
    first();
    for (const f of produceMessages(frames)) {
      batch.push(f);
      if (batch.length === PRODUCE_BATCH) {
        await producer.sendAll(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await producer.sendAll(batch);
    finish();
    await producer.close();
    return;
  }
  const consumer = new Kafka.KafkaConsumer(
    {
      ...common,
      'group.id': groupId,
      'enable.auto.commit': false,
      'session.timeout.ms': 10_000,
      'heartbeat.interval.ms': 1_000,
      'fetch.wait.max.ms': 500,
      offset_commit_cb: true,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise((resolve, reject) => consumer.connect({}, (error) => (error ? reject(error) : resolve())));
  consumer.subscribe([topic]);
  const producer = mode === 'relay' ? await makeProducer(true) : undefined;
  const pump = producer
    ? new RelayPump(
        (messages) => producer.sendAll(messages),
        async (offsets) => consumer.commit(offsets),
      )
    : undefined;
  const consume = (n) =>
    new Promise((resolve, reject) => consumer.consume(n, (error, messages) => (error ? reject(error) : resolve(messages))));
  let consumed = 0;
  while (consumed < total) {
    const messages = (await consume(PRODUCE_BATCH)).slice(0, total - consumed);
    if (messages.length === 0) continue;
    first();
    const last = new Map();
    for (const message of messages) {
      const key = message.key?.toString();
      const value = message.value?.toString() ?? '';
      const headers = {};
      for (const header of message.headers ?? []) for (const name in header) headers[name] = header[name].toString();
      sink += value.length;
      const offset = { topic: message.topic, partition: message.partition, offset: message.offset + 1 };
      if (pump) pump.add({ key, value, headers }, message.partition, offset);
      else last.set(message.partition, offset);
    }
    consumed += messages.length;
    if (pump) {
      pump.kick();
      if (pump.unsent >= MAX_UNSENT) await pump.idle();
    } else {
      // Asynchronous commit (librdkafka queues it), as kafkajs' batches commit after each batch.
      consumer.commit([...last.values()]);
    }
  }
  if (pump) {
    while (pump.relayed < total) {
      pump.kick();
      await pump.idle();
    }
  }
  finish();
  await new Promise((resolve) => consumer.disconnect(() => resolve()));
  await producer?.close();
}

const runners = { kafkajs: runKafkajs, platformatic: runPlatformatic, confluent: runConfluent, rdkafka: runRdkafka };
if (!runners[client]) throw new Error(`unknown --client ${client}`);
await runners[client]();
process.exit(0);
