import type { Consumer, IHeaders, Kafka, KafkaMessage, Producer, TopicPartitionOffset } from 'kafkajs';
import {
  CompressionTypes,
  groupConsumerConfig,
  keepConsuming,
  MemoPartitioner,
  OffsetCommitter,
  PrefetchQueue,
  RAW_TOPICS,
  SerialPump,
  splitTopicMessages,
} from '@klineflow/kafka';
import { gauge, histogram, inSpan, METRICS, type HealthRegistry, type Logger } from '@klineflow/observability';
import type { Registry } from 'prom-client';
import { CounterSink } from './counts.js';
import type { Normalizer, RawMessage } from './pipeline.js';
import { loadStreamStates } from './state-store.js';

export const CONSUMER_GROUP = 'normalizer';
const CLOCK_CLOSE_CHECK_MS = 250;

export interface LoopOptions {
  readonly kafka: Kafka;
  readonly normalizer: Normalizer;
  readonly registry: Registry;
  readonly health: HealthRegistry;
  readonly logger: Logger;
  /** Called when the consumer dies: the service must exit rather than idle as a zombie. */
  readonly onFatal: (reason: string, error?: unknown) => void;
  readonly groupId?: string;
  readonly topics?: readonly string[];
  readonly fromBeginning?: boolean;
}

/** One partition's fetched frames, queued for normalizing while kafkajs fetches the next. */
interface FetchedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  readonly generation: number;
  readonly isRunning: () => boolean;
}

export interface RunningLoop {
  /** Resolves once the group is joined and the first fetch has fixed the start offsets. */
  readonly ready: Promise<void>;
  /** `topic:partition` assigned at the last group join. */
  assignment(): ReadonlySet<string>;
  stop(): Promise<void>;
}

/** Frames processed but not yet handed to Kafka beyond which fetching waits for the send in flight. */
const MAX_UNSENT_FRAMES = 20_000;
/** Frames fetched but not yet normalized beyond which eachBatch holds the next fetch back. */
const MAX_PREFETCHED_FRAMES = 20_000;
/** Largest produce request: no partition's record batch can then exceed the broker's 1 MiB message.max.bytes. */
const MAX_REQUEST_BYTES = 900_000;

/**
 * Consume raw frames, normalise them synchronously, and hand the outputs to Kafka without
 * waiting: a send (acks=all) runs while the next frames are fetched and processed, and
 * whatever accumulated meanwhile goes out in the next send. Offsets are committed only after
 * the send that carried their outputs was acknowledged (at-least-once; downstream writes are
 * idempotent). Nothing waits on a timer, so an idle pipeline forwards a frame at once.
 */
export async function startKafkaLoop(options: LoopOptions): Promise<RunningLoop> {
  const { kafka, normalizer, registry, health, logger } = options;
  const groupId = options.groupId ?? CONSUMER_GROUP;
  const counters = new CounterSink(registry);
  const processingLatency = histogram(registry, METRICS.processingLatency);
  const exchangeLatency = histogram(registry, METRICS.exchangeLatency);
  const consumerUp = gauge(registry, METRICS.consumerUp);
  // One request in flight (idempotent): snapshots of a stream reach the compacted state topic in order.
  const producer: Producer = kafka.producer({
    createPartitioner: MemoPartitioner,
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const component = `consumer:${groupId}`;
  let stopping = false;
  let current: Consumer | undefined;
  /** Next offset per partition whose frames were processed but whose outputs are not yet sent. */
  let processed = new Map<string, TopicPartitionOffset>();
  let unsentFrames = 0;
  const committer = new OffsetCommitter(
    async (offsets) => {
      await current?.commitOffsets(offsets);
      health.touch(component);
    },
    (error) => logger.warn('offset commit failed; frames will be re-read and deduplicated', { error: error.message }),
  );

  const sendStep = async (): Promise<void> => {
    // Offsets and outputs are taken together, synchronously: the outputs cover exactly the frames up to these offsets.
    const offsets = processed;
    processed = new Map();
    unsentFrames = 0;
    const drained = normalizer.drain();
    normalizer.counts.flush(counters);
    try {
      for (const topicMessages of splitTopicMessages(drained.topicMessages, MAX_REQUEST_BYTES)) {
        await producer.sendBatch({ topicMessages, acks: -1, compression: CompressionTypes.None });
      }
    } catch (error) {
      // The in-memory integrity state already counts these outputs as emitted: a retry would drop them
      // as duplicates. Exit instead; the restart rebuilds state from normalizer-state and re-reads.
      options.onFatal('sending normalized batch failed', error);
      return;
    }
    committer.add(offsets.values());
    const now = Date.now();
    for (const recvTime of drained.recvTimeSamples) processingLatency.observe({ stage: 'normalize' }, (now - recvTime) / 1000);
    for (const [exchange, samples] of Object.entries(normalizer.exchangeLatencySamples)) {
      for (const seconds of samples.splice(0)) exchangeLatency.observe({ exchange }, seconds);
    }
  };
  const sender = new SerialPump(sendStep);

  await producer.connect();
  let joined = false;
  /** `topic:partition` this replica consumes, and an assignment from the last join not yet adopted. */
  let owned = new Set<string>();
  let joinedWith: Set<string> | undefined;
  let latestAssignment: ReadonlySet<string> = new Set();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  /** Bumped by every new consumer and group generation: batches fetched before it are fetched again from the committed offsets. */
  let generation = 0;
  const normalizeBatch = (fetched: FetchedBatch) =>
    inSpan('normalizer.batch', { topic: fetched.topic, partition: fetched.partition, messages: fetched.messages.length }, async () => {
      if (fetched.generation !== generation) return;
      let lastProcessed: string | undefined;
      for (const message of fetched.messages) {
        if (!fetched.isRunning()) break;
        normalizer.process({
          topic: fetched.topic,
          partition: fetched.partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value?.toString() ?? '',
          headers: decodeHeaders(message.headers),
        } satisfies RawMessage);
        lastProcessed = message.offset;
        unsentFrames++;
      }
      if (lastProcessed === undefined) return;
      counters.inc(METRICS.consumedMessages, [fetched.topic], fetched.messages.length);
      processed.set(`${fetched.topic}:${fetched.partition}`, {
        topic: fetched.topic,
        partition: fetched.partition,
        offset: (BigInt(lastProcessed) + 1n).toString(),
      });
      sender.kick();
      // Backpressure: while too much is processed but unsent, the queue stops, and with it the fetching.
      if (unsentFrames >= MAX_UNSENT_FRAMES) await sender.idle();
      if (logger.isLevelEnabled('debug'))
        logger.debug('batch normalized', { topic: fetched.topic, partition: fetched.partition, size: fetched.messages.length });
    });
  const prefetched = new PrefetchQueue<FetchedBatch>(MAX_PREFETCHED_FRAMES, normalizeBatch, (error) =>
    options.onFatal('normalizing a fetched batch failed', error),
  );

  const create = (): Consumer => {
    const consumer = kafka.consumer(groupConsumerConfig(groupId));
    current = consumer;
    generation++;
    prefetched.clear();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      generation++;
      prefetched.clear();
      joined = true;
      latestAssignment = joinedWith = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}:${p}`)),
      );
      health.set(component, 'up');
      consumerUp.set({ group: groupId }, 1);
    });
    // Ready once joined and the first fetch has fixed the start offsets.
    consumer.on(consumer.events.FETCH, () => joined && markReady());
    return consumer;
  };
  // Runs before the first batch of every generation: a start-up is a rebalance from nothing, so a
  // restart neither invents gaps nor forgets them, and a partition taken over resumes where its last owner left off.
  const adoptAssignment = async (assigned: Set<string>, heartbeat: () => Promise<void>) => {
    const newlyOwned = new Set([...assigned].filter((p) => !owned.has(p)));
    // Heartbeats while the state is read: a long read must not cost the group membership (and start the read again).
    const saved = newlyOwned.size > 0 ? await loadStreamStates(kafka, undefined, heartbeat) : new Map();
    normalizer.reassign(assigned, newlyOwned, saved);
    logger.info('partitions assigned', { owned: assigned.size, newly_owned: newlyOwned.size, states_read: saved.size });
    owned = assigned;
  };
  const run = async (consumer: Consumer) => {
    await consumer.connect();
    for (const topic of options.topics ?? RAW_TOPICS) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning }) => {
        if (joinedWith) {
          const assigned = joinedWith;
          joinedWith = undefined;
          await prefetched.idle();
          await adoptAssignment(assigned, heartbeat);
        }
        if (batch.messages.length === 0) return;
        // Resolved now, normalized later: kafkajs' resolved offset only moves its fetch position;
        // what is committed is what was normalized and sent (`processed`).
        resolveOffset(batch.lastOffset());
        await prefetched.push(
          { topic: batch.topic, partition: batch.partition, messages: batch.messages, generation, isRunning },
          batch.messages.length,
        );
        await heartbeat();
      },
    });
  };
  const runner = await keepConsuming({
    create,
    run,
    group: { kafka, groupId, logger },
    restarting: (error) => {
      health.set(component, 'degraded', `consumer restarting after: ${error.message}`);
      consumerUp.set({ group: groupId }, 0);
      logger.warn('kafka consumer crashed; restarting', { error: error.message });
    },
    fatal: (error) => {
      if (stopping) return;
      health.set(component, 'down', `consumer crashed: ${error.message}`);
      consumerUp.set({ group: groupId }, 0);
      options.onFatal('kafka consumer crashed', error);
    },
  });

  const clockCheck = setInterval(() => {
    normalizer.closeDueInferredBars();
    normalizer.retryUnfilledBackfills();
    sender.kick();
  }, CLOCK_CLOSE_CHECK_MS);

  return {
    ready,
    assignment: () => latestAssignment,
    async stop() {
      stopping = true;
      clearInterval(clockCheck);
      // Send and commit while still a group member: once the consumer has left, no commit is possible.
      current?.pause((options.topics ?? RAW_TOPICS).map((topic) => ({ topic })));
      await prefetched.idle();
      sender.kick();
      await sender.idle();
      await committer.settle();
      await runner.stop();
      // A batch that was mid-way when fetching paused: its outputs still go out; its frames are re-read and deduplicated.
      sender.kick();
      await sender.idle();
      await producer.disconnect();
      consumerUp.set({ group: groupId }, 0);
    },
  };
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string | undefined> {
  const decoded: Record<string, string | undefined> = {};
  if (!headers) return decoded;
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    decoded[name] = first === undefined ? undefined : first.toString();
  }
  return decoded;
}
