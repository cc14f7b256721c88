import type { Message, Producer } from 'kafkajs';
import { inSpan, type Logger } from '@klineflow/observability';
import { Backoff } from '@klineflow/reconnect';
import type { IngestMetrics } from './metrics.js';

/** Largest batch per send: big enough to amortise a round trip, small enough to retry cheaply. */
const MAX_BATCH = 2000;

export interface RawProducerOptions {
  readonly producer: Pick<Producer, 'send'>;
  readonly topic: string;
  readonly lingerMs: number;
  /** Beyond this many queued messages the sources are paused. */
  readonly maxBuffered: number;
  /** Called with true when the queue is full (pause the sockets) and false once it drained to half. */
  readonly onBackpressure: (paused: boolean) => void;
  /** Called when Kafka starts or stops failing, for health. */
  readonly onAvailability?: (available: boolean, error?: unknown) => void;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
}

/**
 * Bounded, batched, ordered producer of raw frames. One send in flight at a time keeps
 * each key's order; a failed batch is retried with backoff until Kafka comes back, while
 * the bound pauses the sockets instead of growing the heap.
 */
export class RawProducer {
  private queue: Message[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private paused = false;
  private failing = false;
  private stopped = false;
  private readonly backoff = new Backoff({ initialMs: 100, maxMs: 5000, resetAfterMs: 0 });

  constructor(private readonly options: RawProducerOptions) {}

  get depth(): number {
    return this.queue.length;
  }

  enqueue(message: Message): void {
    this.queue.push(message);
    if (!this.paused && this.queue.length >= this.options.maxBuffered) {
      this.paused = true;
      this.options.logger.warn('producer queue full; pausing sockets', { depth: this.queue.length });
      this.options.onBackpressure(true);
    }
    this.schedule(this.options.lingerMs);
  }

  /** Sends everything still queued (shutdown). Gives up after `timeoutMs` if Kafka is gone. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.sending) && Date.now() < deadline) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await (this.sending ?? this.sendBatch());
    }
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.sending || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendBatch();
    }, delayMs);
  }

  private sendBatch(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = this.sendOnce().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0) this.schedule(this.failing ? this.backoff.nextDelay(Date.now()) : 0);
    });
    return this.sending;
  }

  private async sendOnce(): Promise<void> {
    const batch = this.queue.slice(0, MAX_BATCH);
    if (batch.length === 0) return;
    const { topic, metrics } = this.options;
    try {
      await inSpan('ingest.publish', { topic, messages: batch.length }, () => this.options.producer.send({ topic, acks: -1, messages: batch }));
    } catch (error) {
      metrics.produceErrors.inc({ topic });
      if (!this.failing) {
        this.failing = true;
        this.options.logger.error('kafka send failed; retrying with backoff', { topic, error });
        this.options.onAvailability?.(false, error);
      }
      return;
    }
    // Only now drop them: a failed batch stays at the head and keeps its order.
    this.queue = this.queue.length === batch.length ? [] : this.queue.slice(batch.length);
    metrics.produced.inc({ topic }, batch.length);
    if (this.failing) {
      this.failing = false;
      this.backoff.markHealthy(Date.now());
      this.options.logger.info('kafka send recovered', { topic, depth: this.queue.length });
      this.options.onAvailability?.(true);
    }
    if (this.paused && this.queue.length <= this.options.maxBuffered / 2) {
      this.paused = false;
      this.options.onBackpressure(false);
    }
  }
}
