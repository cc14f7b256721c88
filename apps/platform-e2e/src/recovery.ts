import { Redis } from 'ioredis';
import { REDIS_URL } from './harness.js';

/**
 * Watches the Redis pushes of every kline stream (`<prefix>kline:<exchange>:…`) and tells
 * when data flows again: when the first push arrives whose `recv_time` (taken by the ingest app
 * as the frame arrived) is after a fault, i.e. fresh data visible in Redis; and the longest
 * pause between pushes in a window.
 */
export class FlowWatch {
  /** Reconnects at once after a Redis restart, so that its own backoff does not count as the platform's recovery. */
  private readonly subscriber = new Redis(REDIS_URL, { retryStrategy: () => 50 });
  private readonly arrivals = new Map<string, number[]>();
  private waiters: Array<{ exchange: string; after: number; resolve: (t: number) => void }> = [];

  constructor(private readonly prefix: string) {}

  async start(): Promise<void> {
    this.subscriber.on('pmessage', (_pattern, channel: string, message: string) => {
      const exchange = channel.slice(this.prefix.length).split(':')[1]!;
      const recvTime = (JSON.parse(message) as { recv_time: number }).recv_time;
      const list = this.arrivals.get(exchange) ?? [];
      list.push(recvTime);
      this.arrivals.set(exchange, list);
      this.waiters = this.waiters.filter((w) => {
        if (w.exchange !== exchange || recvTime <= w.after) return true;
        w.resolve(Date.now());
        return false;
      });
    });
    await this.subscriber.psubscribe(`${this.prefix}kline:*`);
  }

  /** Resolves with the time at which the first frame of `exchange` received after `after` reached Redis. */
  firstAfter(exchange: string, after: number, timeoutMs = 30_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${exchange} data received after ${new Date(after).toISOString()} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        exchange,
        after,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      });
    });
  }

  /** Longest pause between consecutive receive times of `exchange` within [from, to]. */
  longestPause(exchange: string, from: number, to: number): number {
    const times = (this.arrivals.get(exchange) ?? []).filter((t) => t >= from && t <= to).sort((a, b) => a - b);
    let longest = times.length === 0 ? to - from : Math.max(times[0]! - from, to - times[times.length - 1]!);
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
    return longest;
  }

  /** Keeps memory flat over a long suite. */
  forgetBefore(t: number): void {
    for (const [exchange, times] of this.arrivals)
      this.arrivals.set(
        exchange,
        times.filter((x) => x >= t),
      );
  }

  stop(): void {
    this.subscriber.disconnect();
  }
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
