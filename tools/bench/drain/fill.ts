// Pre-fills Kafka for the drain benchmark as fast as the broker takes it: big batches, acks=1, one
// batch in flight per topic (several topics at once), so each stream's frames stay in order.
import type { Kafka, Message, Producer } from 'kafkajs';
import { CompressionTypes, Partitioners, TOPICS } from '@klineflow/kafka';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Normalizer } from '../../../apps/normalizer/src/pipeline.js';
import { benchExchanges, type Expected, type FrameGenerator, type GeneratorOptions } from './generate.js';

/** Bytes per send: a topic's batch spreads over its partitions, each partition's record batch well under the broker's 1 MiB message limit. */
const BATCH_BYTES = 2_500_000;

export interface FillResult {
  readonly messages: number;
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * Buffers messages per topic in sends of at most BATCH_BYTES, one send in flight per topic. A step of
 * 25,200 streams normalizes into more than that (≈ 6 MB of klines), so sends are cut as they fill.
 */
class TopicWriter {
  private readonly buffers = new Map<string, { messages: Message[]; bytes: number }>();
  private readonly full: Array<{ topic: string; messages: Message[] }> = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  messages = 0;
  bytes = 0;

  constructor(private readonly producer: Producer) {}

  add(topic: string, message: Message, bytes: number): void {
    let buffer = this.buffers.get(topic);
    if (!buffer) this.buffers.set(topic, (buffer = { messages: [], bytes: 0 }));
    buffer.messages.push(message);
    buffer.bytes += bytes;
    this.messages++;
    this.bytes += bytes;
    if (buffer.bytes >= BATCH_BYTES) {
      this.full.push({ topic, messages: buffer.messages });
      this.buffers.set(topic, { messages: [], bytes: 0 });
    }
  }

  /** Sends every full buffer (and every non-empty one when `all`), waiting only for the topic's previous send. */
  async flush(all = false): Promise<void> {
    const sends = this.full.splice(0);
    if (all) for (const [topic, buffer] of this.buffers) if (buffer.messages.length > 0) sends.push({ topic, messages: buffer.messages });
    if (all) this.buffers.clear();
    for (const { topic, messages } of sends) {
      await this.inFlight.get(topic);
      this.inFlight.set(
        topic,
        this.producer.send({ topic, messages, acks: 1, compression: CompressionTypes.None }).then(() => undefined),
      );
    }
    if (all) await Promise.all(this.inFlight.values());
  }
}

async function withProducer<T>(kafka: Kafka, run: (writer: TopicWriter) => Promise<T>): Promise<T> {
  // The ingest's partitioner: frames land where the ingest would put them.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  try {
    return await run(new TopicWriter(producer));
  } finally {
    await producer.disconnect();
  }
}

/** Writes at least `frames` generated raw frames to `raw.<exchange>`. */
export function fillRaw(kafka: Kafka, generator: FrameGenerator, frames: number): Promise<FillResult> {
  return withProducer(kafka, async (writer) => {
    const started = performance.now();
    while (writer.messages < frames) {
      for (const frame of generator.nextStep()) {
        writer.add(frame.topic, { key: frame.key, value: frame.value, headers: frame.headers }, frame.key.length + frame.value.length + 60);
      }
      await writer.flush();
    }
    await writer.flush(true);
    return { messages: writer.messages, bytes: writer.bytes, seconds: (performance.now() - started) / 1000 };
  });
}

/**
 * The raw fill with one worker thread per exchange (fill-worker.ts, bundled), each writing its share of
 * `frames` to its topic. Returns the totals and what the generators expect the normalizer to make.
 */
export async function fillRawInParallel(
  workerFile: string,
  configPath: string,
  generator: GeneratorOptions,
  frames: number,
): Promise<{ result: FillResult; expected: Expected }> {
  // Never EXCHANGE_IDS: an exchange filled but not in benchStreamKeys keeps its state between runs, and its frames are dropped as old.
  const exchanges = benchExchanges(generator);
  const started = performance.now();
  const parts = await Promise.all(
    exchanges.map(
      (exchange, i) =>
        new Promise<{ result: FillResult; expected: Expected }>((resolve, reject) => {
          const worker = new Worker(path.resolve(workerFile), {
            // A seed per exchange, so the three do not trade alike.
            workerData: {
              configPath,
              exchange,
              frames: Math.ceil(frames / exchanges.length),
              generator: { ...generator, seed: (generator.seed ?? 8) + i },
            },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.once('exit', (code) => code !== 0 && reject(new Error(`fill worker for ${exchange} exited with code ${code}`)));
        }),
    ),
  );
  const sum = <T extends object>(items: T[], key: keyof T) => items.reduce((total, item) => total + (item[key] as number), 0);
  const results = parts.map((p) => p.result);
  const expecteds = parts.map((p) => p.expected);
  return {
    result: { messages: sum(results, 'messages'), bytes: sum(results, 'bytes'), seconds: (performance.now() - started) / 1000 },
    expected: {
      frames: sum(expecteds, 'frames'),
      klineFrames: sum(expecteds, 'klineFrames'),
      tickerFrames: sum(expecteds, 'tickerFrames'),
      klines: sum(expecteds, 'klines'),
      tickers: sum(expecteds, 'tickers'),
      klineStreams: sum(expecteds, 'klineStreams'),
    },
  };
}

/** Topics the sinks read. */
export const RECORD_TOPICS: readonly string[] = [TOPICS.klines, TOPICS.tickers, TOPICS.depth];

/**
 * For a sink-only run: the records the real normalizer makes of `frames` generated frames (run in
 * this process), written to kline-data / ticker-data as the normalizer would write them.
 */
export function fillRecords(
  kafka: Kafka,
  generator: FrameGenerator,
  frames: number,
  normalizer: Normalizer,
): Promise<FillResult & { frames: number }> {
  return withProducer(kafka, async (writer) => {
    const started = performance.now();
    let consumed = 0;
    let offset = 0;
    while (consumed < frames) {
      for (const frame of generator.nextStep()) {
        normalizer.process({
          topic: frame.topic,
          partition: 0,
          offset: String(offset++),
          key: frame.key,
          value: frame.value,
          headers: frame.headers,
        } as Parameters<Normalizer['process']>[0]);
        consumed++;
      }
      for (const { topic, messages } of normalizer.drain().topicMessages) {
        if (!RECORD_TOPICS.includes(topic)) continue;
        for (const m of messages) writer.add(topic, { key: m.key, value: m.value }, m.key.length + m.value.length + 20);
      }
      await writer.flush();
    }
    await writer.flush(true);
    return { frames: consumed, messages: writer.messages, bytes: writer.bytes, seconds: (performance.now() - started) / 1000 };
  });
}
