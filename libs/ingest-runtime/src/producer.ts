import type { Message, Producer } from 'kafkajs';
import { TOPICS } from '@klineflow/kafka';
import { inSpan, type Logger } from '@klineflow/observability';
import { Backoff } from '@klineflow/reconnect';
import type { IngestMetrics } from './metrics.js';
import { frameTooLarge, isMessageTooLarge, oversizedFrameLetter } from './oversize.js';

/** Largest batch per send: big enough to amortise a round trip, small enough to retry cheaply. */
const MAX_BATCH = 2000;
/** Dead letters per send: each quotes up to 4 KiB of its frame, so a send stays far below the broker's limit. */
const MAX_DEAD_LETTERS = 32;

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
  /** Cancels the scheduled send, if one is scheduled. */
  private cancelScheduled: (() => void) | undefined;
  private sending: Promise<void> | undefined;
  private paused = false;
  private failing = false;
  private stopped = false;
  // A retry is one batch to a broker that may be restarting: at least once a second, so frames flow
  // again within a second or so of the broker being back (chaos (g): a 5 s ceiling cost up to 5 s).
  private readonly backoff = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 0 });
  /** Frames the broker cannot take, as dead letters waiting to be sent ahead of the next batch. */
  private deadLetters: Message[] = [];
  /** Halved while the broker refuses a batch as too large, down to the one frame at fault; back to MAX_BATCH after a send. */
  private batchLimit = MAX_BATCH;

  constructor(private readonly options: RawProducerOptions) {}

  get depth(): number {
    return this.queue.length;
  }

  enqueue(message: Message): void {
    // Never queued: the broker refuses it (MESSAGE_TOO_LARGE is final), and it would block every frame behind it.
    const tooLarge = frameTooLarge(message);
    if (tooLarge !== undefined) {
      this.divert(message, tooLarge, 'before sending');
      this.schedule(this.options.lingerMs);
      return;
    }
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
    while ((this.queue.length > 0 || this.deadLetters.length > 0 || this.sending) && Date.now() < deadline) {
      this.cancelScheduled?.();
      this.cancelScheduled = undefined;
      await (this.sending ?? this.sendBatch());
    }
    this.stopped = true;
    this.cancelScheduled?.();
  }

  private schedule(delayMs: number): void {
    if (this.cancelScheduled || this.sending || this.stopped) return;
    const send = () => {
      this.cancelScheduled = undefined;
      void this.sendBatch();
    };
    // No linger: the next turn of the event loop, not a timer (setTimeout(0) waits at least 1 ms).
    if (delayMs <= 0) {
      const immediate = setImmediate(send);
      this.cancelScheduled = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(send, delayMs);
      this.cancelScheduled = () => clearTimeout(timer);
    }
  }

  private sendBatch(): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = this.sendOnce().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0 || this.deadLetters.length > 0) this.schedule(this.failing ? this.backoff.nextDelay(Date.now()) : 0);
    });
    return this.sending;
  }

  private async sendOnce(): Promise<void> {
    const batch = this.queue.slice(0, this.batchLimit);
    const { topic, metrics } = this.options;
    try {
      if (this.deadLetters.length > 0) await this.sendDeadLetters();
      if (batch.length === 0) return;
      await inSpan('ingest.publish', { topic, messages: batch.length }, () =>
        this.options.producer.send({ topic, acks: -1, messages: batch }),
      );
    } catch (error) {
      if (isMessageTooLarge(error)) {
        this.isolateTooLarge(batch);
        return;
      }
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
    this.batchLimit = MAX_BATCH;
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

  /**
   * The broker refused a batch as too large although every frame passed the size check (a lower
   * message.max.bytes, or many frames of one partition together): halve the batch until the send
   * goes through or the one frame at fault is found, which is dead-lettered. Never retried as is.
   */
  private isolateTooLarge(batch: readonly Message[]): void {
    if (batch.length > 1) {
      this.batchLimit = Math.max(1, batch.length >> 1);
      return;
    }
    this.queue = this.queue.slice(1);
    this.divert(batch[0]!, undefined, 'refused by the broker');
  }

  private divert(message: Message, bytes: number | undefined, when: string): void {
    const letter = oversizedFrameLetter(message, this.options.topic, bytes, Date.now());
    this.deadLetters.push(letter.message);
    this.options.metrics.deadLetters.inc({ exchange: this.options.metrics.exchange, reason: 'frame_too_large' });
    this.options.logger.warn('frame too large for Kafka; dead-lettered', { topic: this.options.topic, bytes: letter.bytes, when });
  }

  private async sendDeadLetters(): Promise<void> {
    const letters = this.deadLetters.slice(0, MAX_DEAD_LETTERS);
    this.deadLetters = this.deadLetters.slice(letters.length);
    try {
      await this.options.producer.send({ topic: TOPICS.deadLetter, acks: -1, messages: letters });
    } catch (error) {
      this.deadLetters = letters.concat(this.deadLetters);
      throw error;
    }
  }
}
