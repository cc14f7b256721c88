/** At most `limit` events in any sliding window of `windowMs`. Pure: the caller supplies the time. */
export class SlidingWindowPacer {
  private readonly sent: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (limit < 1) throw new RangeError('a pacer needs a limit of at least 1');
  }

  /** 0 when an event may happen at `now`, otherwise how long to wait. */
  delay(now: number): number {
    this.forget(now);
    if (this.sent.length < this.limit) return 0;
    return (this.sent[0] as number) + this.windowMs - now;
  }

  record(now: number): void {
    this.forget(now);
    this.sent.push(now);
  }

  private forget(now: number): void {
    let drop = 0;
    while (drop < this.sent.length && (this.sent[drop] as number) <= now - this.windowMs) drop++;
    if (drop > 0) this.sent.splice(0, drop);
  }
}

/** A text message, or a WebSocket ping frame (`text` undefined): exchanges count both against the budget. */
export interface OutboundMessage {
  readonly text?: string;
  /** Subscribe requests also count against the hourly subscribe budget (OKX). */
  readonly subscribe: boolean;
  /** A liveness probe: its deadline starts when it is sent, not when it is queued. */
  readonly probe?: boolean;
}

/**
 * Client messages of one connection, released no faster than the exchange allows. Every
 * message counts against the per-second budget; subscribe requests also against the hourly one.
 */
export class OutboundQueue {
  private readonly queue: OutboundMessage[] = [];

  constructor(
    private readonly perSecond: SlidingWindowPacer,
    private readonly subscribesPerHour?: SlidingWindowPacer,
  ) {}

  push(message: OutboundMessage): void {
    this.queue.push(message);
  }

  /** Urgent messages (keepalive) go first but still respect the per-second budget. */
  pushFront(message: OutboundMessage): void {
    this.queue.unshift(message);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Messages that may be sent at `now`, in order, and the delay until the next one if any remain. */
  take(now: number): { ready: OutboundMessage[]; nextInMs: number | undefined } {
    const ready: OutboundMessage[] = [];
    while (this.queue.length > 0) {
      const head = this.queue[0] as OutboundMessage;
      const wait = Math.max(this.perSecond.delay(now), head.subscribe && this.subscribesPerHour ? this.subscribesPerHour.delay(now) : 0);
      if (wait > 0) return { ready, nextInMs: wait };
      this.queue.shift();
      this.perSecond.record(now);
      if (head.subscribe) this.subscribesPerHour?.record(now);
      ready.push(head);
    }
    return { ready, nextInMs: undefined };
  }
}
