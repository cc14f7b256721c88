// Receipt-to-destination latency from the records themselves: every StandardKline and ticker
// carries `recv_time` (ms epoch, taken by the ingest as the frame arrived), and the probes take
// Date.now() as they receive the record from Kafka or from Redis pub/sub. A bare produce →
// consume round trip through the same broker, measured alongside, is the floor of one hop.
import { EXCHANGE_IDS } from '@klineflow/exchanges';
import { Redis } from 'ioredis';
import { AssignerProtocol, type Batch, type Consumer, type Kafka, type PartitionAssigner, type Producer } from 'kafkajs';
import { isBenchSymbolAt } from '../config.js';
import { LatencySamples, recvTimeOf } from '../samples.js';

/** Tag of a sample: 1 + the exchange's index in EXCHANGE_IDS, 0 if unknown. */
export function exchangeTag(exchange: string): number {
  return (EXCHANGE_IDS as readonly string[]).indexOf(exchange) + 1;
}

/** The bench's own fetch settings: a short long-poll so that its fetch adds little to what it measures. */
export const PROBE_MAX_WAIT_MS = 5;

/** The output topics' partitions the latency probe reads: every third, i.e. a third of the streams (keys hash evenly). */
export const PROBED_PARTITION_STEP = 3;

/**
 * Assigns the probe's only member the partitions `p % step === 0` of each topic and leaves the rest
 * unread: fetching and decoding all 12,000 records/s cost the bench about a tenth of a core, taken
 * from the platform it measures, and a third of them is plenty for percentiles.
 */
function sampledPartitions(step: number): PartitionAssigner {
  const name = 'KlineflowBenchSampled';
  return ({ cluster }) => ({
    name,
    version: 1,
    protocol: ({ topics }) => ({
      name,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    }),
    assign: async ({ members, topics }) => {
      const assignment: Record<string, number[]> = {};
      for (const topic of topics) {
        assignment[topic] = cluster
          .findTopicPartitionMetadata(topic)
          .map((p) => p.partitionId)
          .filter((p) => p % step === 0);
      }
      return members.map((member, i) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: i === 0 ? assignment : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}

/**
 * A probe's consumer: its own group, from the topics' ends, the bench's short long-poll, no commits;
 * resolves once the group is joined, so nothing sent after it can be missed.
 */
async function startProbeConsumer(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
  onBatch: (batch: Batch, now: number) => void,
  partitionStep = 1,
): Promise<Consumer> {
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: PROBE_MAX_WAIT_MS,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    ...(partitionStep > 1 ? { partitionAssigners: [sampledPartitions(partitionStep)] } : {}),
  });
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: 6, eachBatch: async ({ batch }) => onBatch(batch, Date.now()) });
  await joined;
  return consumer;
}

/** Consumes every third partition of the normalizer's output topics in a group of its own, from their ends, and records receipt − recv_time per record. */
export class KafkaLatencyProbe {
  readonly samples = new Map<string, LatencySamples>();
  /**
   * The first topic's records split at their CreateTime, which the normalizer's producer stamps as it
   * sends: receipt → the normalizer's send (ingest, raw hop, normalizing, waiting for the send in
   * flight) and the send → the bench's receipt (the kline-data hop). Same clock, same machine.
   */
  readonly beforeSend = new LatencySamples();
  readonly afterSend = new LatencySamples();
  private consumer?: Consumer;
  unparsed = 0;
  /** Records of other symbols: something else produced to the topics during the window. */
  foreign = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: readonly string[],
    readonly groupId: string,
  ) {
    for (const t of topics) this.samples.set(t, new LatencySamples());
  }

  async start(): Promise<void> {
    this.consumer = await startProbeConsumer(
      this.kafka,
      this.groupId,
      this.topics,
      (batch, now) => {
        const samples = this.samples.get(batch.topic)!;
        if (!samples.recording) return;
        for (const message of batch.messages) {
          const key = message.key?.toString('latin1') ?? '';
          const colon = key.indexOf(':');
          if (!isBenchSymbolAt(key, colon + 1)) {
            this.foreign++;
            continue;
          }
          const value = message.value?.toString('latin1');
          const recv = value === undefined ? undefined : recvTimeOf(value);
          if (recv === undefined) {
            this.unparsed++;
            continue;
          }
          const tag = exchangeTag(key.slice(0, colon));
          samples.add(now - recv, now, tag);
          if (batch.topic !== this.topics[0]) continue;
          const sentAt = Number(message.timestamp);
          this.beforeSend.add(sentAt - recv, now, tag);
          this.afterSend.add(now - sentAt, now, tag);
        }
      },
      PROBED_PARTITION_STEP,
    );
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Symbols per exchange whose Redis channels the probe subscribes to: a sample, so the probe measures the path without loading it. */
export const REDIS_SAMPLE_SYMBOLS = 100;

/**
 * The channels of every `step`-th bench symbol (step = symbols / REDIS_SAMPLE_SYMBOLS, rounded up):
 * a kline channel per interval and the ticker channel, on every exchange. The redis-writer publishes
 * each applied record on its key's channel; subscribing to all 25,200 of them at 1,200 × 6 × 3 cost
 * the bench 16 % of a core and Redis a copy of every message, both taken from the platform it measures.
 */
export function sampledRedisChannels(
  keyPrefix: string,
  exchanges: readonly string[],
  symbols: readonly string[],
  intervals: readonly string[],
  withTickers: boolean,
): { channels: string[]; step: number } {
  const step = Math.max(1, Math.ceil(symbols.length / REDIS_SAMPLE_SYMBOLS));
  const channels: string[] = [];
  for (const exchange of exchanges) {
    for (let i = 0; i < symbols.length; i += step) {
      for (const interval of intervals) channels.push(`${keyPrefix}kline:${exchange}:${symbols[i]}:${interval}`);
      if (withTickers) channels.push(`${keyPrefix}ticker:${exchange}:${symbols[i]}`);
    }
  }
  return { channels, step };
}

/** SUBSCRIBEs to the redis-writer's channels of a sample of streams and records receipt − recv_time of each published record. */
export class RedisLatencyProbe {
  readonly samples = new Map<'kline' | 'ticker', LatencySamples>([
    ['kline', new LatencySamples()],
    ['ticker', new LatencySamples()],
  ]);
  private redis?: Redis;
  unparsed = 0;

  constructor(
    private readonly url: string,
    private readonly keyPrefix: string,
    private readonly channels: readonly string[],
  ) {}

  async start(): Promise<void> {
    const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: null });
    this.redis = redis;
    await redis.connect();
    const prefix = this.keyPrefix.length;
    redis.on('message', (channel: string, message: string) => {
      const now = Date.now();
      const kind = channel.startsWith('kline:', prefix) ? 'kline' : 'ticker';
      const samples = this.samples.get(kind)!;
      if (!samples.recording) return;
      const exchangeStart = channel.indexOf(':', prefix) + 1;
      const recv = recvTimeOf(message);
      if (recv === undefined) {
        this.unparsed++;
        return;
      }
      samples.add(now - recv, now, exchangeTag(channel.slice(exchangeStart, channel.indexOf(':', exchangeStart))));
    });
    // One command per thousand channels keeps each request small.
    for (let i = 0; i < this.channels.length; i += 1000) await redis.subscribe(...this.channels.slice(i, i + 1000));
  }

  async stop(): Promise<void> {
    await this.redis?.unsubscribe().catch(() => undefined);
    this.redis?.disconnect();
  }
}

export const ROUND_TRIP_TOPIC = 'klineflow-bench-roundtrip';

/**
 * The baseline hop: a bare kafkajs producer (acks=all, as the normalizer sends) → broker →
 * kafkajs consumer with the probe's fetch settings, at `ratePerSecond` small messages spread
 * over six partitions, for the whole run, so it sees the same machine load.
 */
export class RoundTripProbe {
  readonly samples = new LatencySamples();
  private producer?: Producer;
  private consumer?: Consumer;
  private timer?: NodeJS.Timeout;
  private sent = 0;
  failures = 0;

  constructor(
    private readonly kafka: Kafka,
    readonly groupId: string,
    private readonly ratePerSecond = 100,
  ) {}

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(ROUND_TRIP_TOPIC)) {
        await admin.createTopics({ topics: [{ topic: ROUND_TRIP_TOPIC, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
      }
    } finally {
      await admin.disconnect();
    }
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.consumer = await startProbeConsumer(this.kafka, this.groupId, [ROUND_TRIP_TOPIC], (batch, now) => {
      for (const message of batch.messages) {
        const sentAt = Number(message.value?.toString());
        if (Number.isFinite(sentAt)) this.samples.add(now - sentAt, now);
      }
    });
    this.timer = setInterval(() => {
      const partition = this.sent++ % 6;
      this.producer!.send({ topic: ROUND_TRIP_TOPIC, acks: -1, messages: [{ partition, value: String(Date.now()) }] }).catch(
        () => this.failures++,
      );
    }, 1000 / this.ratePerSecond);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.producer?.disconnect();
    await this.consumer?.disconnect();
  }
}
