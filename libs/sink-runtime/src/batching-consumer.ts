import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import {
  groupConsumerConfig,
  keepConsuming,
  OffsetCommitter,
  ORDER_HEADER,
  SerialPump,
  startLagExporter,
  type LagExporter,
  type LagExporterOptions,
} from '@klineflow/kafka';
import { Backoff } from '@klineflow/reconnect';
import { counter, gauge, histogram, inSpan, METRICS, type HealthRegistry, type Logger } from '@klineflow/observability';
import type { Registry } from 'prom-client';
import { WriteBuffer } from './write-buffer.js';

export interface SinkRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: string;
  /**
   * The normalizer's `order` header (libs/kafka `StandardRecordHeaders`): set on arrival-ordered records,
   * where it breaks a tie of `event_time` (the later order is the later update).
   */
  readonly order?: string;
}

/** The `order` header of a consumed record, if it has one. */
export function orderOf(headers: IHeaders | undefined): string | undefined {
  const value = headers?.[ORDER_HEADER];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString();
}

export interface SinkConsumerOptions {
  readonly kafka: Kafka;
  /** Where the group's lag is read for `klineflow_consumer_lag_messages`. */
  readonly brokers: readonly string[];
  /** TLS and SASL of those brokers (kafkaSecurity). */
  readonly security?: LagExporterOptions['security'];
  /** Store label in metrics and health: `redis` or `clickhouse`. */
  readonly sink: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Largest write; more buffered records go in the next one. */
  readonly maxBatch: number;
  /**
   * 0 writes as soon as the previous write is done (lowest latency; batches grow with load).
   * Otherwise records wait until `maxBatch` are buffered or the oldest is this old (fewer, larger writes).
   */
  readonly maxDelayMs: number;
  /** Writes a batch; must be idempotent, because a failure or crash replays it. Throw to retry. */
  readonly write: (records: readonly SinkRecord[]) => Promise<void>;
  readonly registry: Registry;
  readonly health: HealthRegistry;
  readonly logger: Logger;
  /** The consumer died: the service must exit, not idle as a zombie. */
  readonly onFatal: (reason: string, error?: unknown) => void;
  readonly fromBeginning?: boolean;
  readonly retry?: { initialMs: number; maxMs: number };
}

/** Per topic-partition, the offset after the highest record written: what Kafka should hand out next. */
export function offsetsToCommit(batch: readonly SinkRecord[]): Array<{ topic: string; partition: number; offset: string }> {
  const next = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const r of batch) {
    const key = `${r.topic}\u0000${r.partition}`;
    const offset = BigInt(r.offset) + 1n;
    const current = next.get(key);
    if (!current || offset > current.offset) next.set(key, { topic: r.topic, partition: r.partition, offset });
  }
  return [...next.values()].map(({ topic, partition, offset }) => ({ topic, partition, offset: offset.toString() }));
}

/** Buffered records beyond which fetching waits for the writes, in multiples of `maxBatch`. */
const MAX_BUFFERED_BATCHES = 4;

/**
 * Kafka → store with at-least-once delivery. Records are buffered across partitions and
 * written one batch at a time, off the fetch path: fetching goes on while a write runs, and a
 * write takes everything that arrived meanwhile. Offsets are committed only after the write
 * succeeded. While the store is down the consumer is paused (it keeps its group membership)
 * and the batch is retried with backoff, so nothing is lost and memory stays bounded.
 */
export class BatchingSinkConsumer {
  /** The current consumer: a broker restart may end one, and keepConsuming starts the next. */
  private consumer!: Consumer;
  private runner?: { stop(): Promise<void> };
  private lag?: LagExporter;
  private readonly buffer: WriteBuffer<SinkRecord>;
  private oldestBufferedAt = 0;
  private readonly writer = new SerialPump(() => this.writeStep());
  private readonly committer: OffsetCommitter;
  private paused = false;
  private retryDue = false;
  private stopping = false;
  private stopped?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private readonly backoff: Backoff;
  private readonly component: string;
  private readonly metrics;

  constructor(private readonly options: SinkConsumerOptions) {
    this.buffer = new WriteBuffer(options.maxBatch * MAX_BUFFERED_BATCHES);
    // A retry is one small request to a store that is down: cheap enough to repeat every second, so
    // that data flows again within a second or so of the store coming back, however long it was away.
    this.backoff = new Backoff({ initialMs: options.retry?.initialMs ?? 100, maxMs: options.retry?.maxMs ?? 1_000, resetAfterMs: 0 });
    this.component = `sink:${options.sink}`;
    this.metrics = {
      up: gauge(options.registry, METRICS.sinkUp),
      errors: counter(options.registry, METRICS.sinkErrors),
      batchSeconds: histogram(options.registry, METRICS.sinkBatchDuration),
      consumed: counter(options.registry, METRICS.consumedMessages),
      consumerUp: gauge(options.registry, METRICS.consumerUp),
    };
    this.committer = new OffsetCommitter(
      async (offsets) => {
        await this.consumer.commitOffsets(offsets);
        options.health.touch(this.component);
      },
      // The write is done and idempotent: after a rebalance the new owner replays from the last commit.
      (error) => options.logger.warn('offset commit failed; records will be replayed', { sink: options.sink, error: error.message }),
    );
  }

  async start(): Promise<void> {
    const { options } = this;
    this.runner = await keepConsuming({
      create: () => {
        this.consumer = options.kafka.consumer(groupConsumerConfig(options.groupId, 250));
        this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
          options.health.set(`consumer:${options.groupId}`, 'up');
          this.metrics.consumerUp.set({ group: options.groupId }, 1);
        });
        return this.consumer;
      },
      run: (consumer) => this.run(consumer),
      group: { kafka: options.kafka, groupId: options.groupId, logger: options.logger },
      restarting: (error) => {
        options.health.set(`consumer:${options.groupId}`, 'degraded', `restarting after: ${error.message}`);
        this.metrics.consumerUp.set({ group: options.groupId }, 0);
        options.logger.warn('kafka consumer crashed; restarting', { sink: options.sink, error: error.message });
      },
      fatal: (error) => {
        if (this.stopping) return;
        options.health.set(`consumer:${options.groupId}`, 'down', error.message);
        this.metrics.consumerUp.set({ group: options.groupId }, 0);
        options.onFatal('kafka consumer crashed', error);
      },
    });
    options.health.set(this.component, 'up');
    this.metrics.up.set({ sink: options.sink }, 1);
    this.lag = startLagExporter({
      brokers: options.brokers,
      security: options.security,
      groupId: options.groupId,
      topics: options.topics,
      registry: options.registry,
      logger: options.logger,
      fromBeginning: options.fromBeginning ?? true,
    });
    if (options.maxDelayMs > 0)
      this.timer = setInterval(
        () => {
          if (!this.paused && this.buffer.length > 0 && Date.now() - this.oldestBufferedAt >= options.maxDelayMs) this.writer.kick();
        },
        Math.max(10, Math.floor(options.maxDelayMs / 4)),
      );
  }

  private async run(consumer: Consumer): Promise<void> {
    const { options } = this;
    await consumer.connect();
    for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        // Left unresolved and uncommitted: the next owner of the partition reads them again.
        if (this.stopping) return;
        if (this.buffer.length === 0) this.oldestBufferedAt = Date.now();
        let last: string | undefined;
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          this.buffer.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            order: orderOf(message.headers),
          });
          last = message.offset;
        }
        if (last === undefined) return;
        // Resolving only advances fetching; the commit waits for the store write.
        resolveOffset(last);
        this.metrics.consumed.inc({ topic: batch.topic }, batch.messages.length);
        // While paused the retry timer owns the writes; another attempt here would only add load.
        if (!this.paused && (options.maxDelayMs === 0 || this.buffer.length >= options.maxBatch)) this.writer.kick();
        // Backpressure; a store outage pauses the consumer, so a paused sink never holds a fetch here.
        if (!this.paused && !this.stopping) await this.buffer.space();
        await heartbeat();
      },
    });
    // A replacement for a consumer paused by a store outage stays paused until the store is back.
    if (this.paused) consumer.pause(options.topics.map((topic) => ({ topic })));
  }

  /** Writes what is buffered, then resolves once it is written and committed (or the store failed and a retry is scheduled). */
  async flush(): Promise<void> {
    this.writer.kick();
    await this.writer.idle();
    await this.committer.settle();
  }

  private async writeStep(): Promise<void> {
    if (this.buffer.length === 0 || (this.paused && !this.retryDue)) return;
    this.retryDue = false;
    const batch = this.buffer.take(this.options.maxBatch);
    if (this.buffer.length > 0) {
      this.oldestBufferedAt = Date.now();
      this.writer.kick();
    }
    const started = process.hrtime.bigint();
    try {
      await inSpan('sink.write', { sink: this.options.sink, records: batch.length }, () => this.options.write(batch));
    } catch (error) {
      this.buffer.putBack(batch);
      this.onWriteFailure(error);
      return;
    }
    this.metrics.batchSeconds.observe({ sink: this.options.sink }, Number(process.hrtime.bigint() - started) / 1e9);
    this.committer.add(offsetsToCommit(batch));
    if (this.paused) this.resume();
  }

  private onWriteFailure(error: unknown): void {
    this.metrics.errors.inc({ sink: this.options.sink });
    this.metrics.up.set({ sink: this.options.sink }, 0);
    // Down, not degraded: nothing is being stored, so the service is not ready (readiness); it is still live.
    this.options.health.set(this.component, 'down', `write failed: ${(error as Error).message}`);
    if (!this.paused) {
      this.paused = true;
      this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
      this.buffer.release();
      this.options.logger.error('store write failed; consumption paused, retrying', {
        sink: this.options.sink,
        buffered: this.buffer.length,
        error: (error as Error).message,
      });
    }
    if (this.stopping || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryDue = true;
      this.writer.kick();
    }, this.backoff.nextDelay(Date.now()));
  }

  private resume(): void {
    this.paused = false;
    this.backoff.markHealthy(Date.now());
    this.metrics.up.set({ sink: this.options.sink }, 1);
    this.options.health.set(this.component, 'up');
    this.consumer.resume(this.options.topics.map((topic) => ({ topic })));
    this.options.logger.info('store is back; consumption resumed', { sink: this.options.sink });
    if (this.buffer.length > 0) this.writer.kick();
  }

  /** The store's client reports it reachable again (a reconnect): retry now, not at the next backoff tick. */
  storeReachable(): void {
    if (!this.paused || this.stopping) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.retryDue = true;
    this.writer.kick();
  }

  /**
   * SIGTERM: stop fetching, write and commit what is buffered (one attempt) while still a
   * group member, then leave. kafkajs' consumer.stop() drops the group, after which no
   * commit is possible, so the order matters. Idempotent.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.buffer.release();
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    // One last attempt even while paused by an outage; what fails stays uncommitted and is replayed.
    this.retryDue = true;
    await this.flush();
    await this.runner?.stop();
    await this.lag?.stop();
  }
}
