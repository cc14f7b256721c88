// What the scale chaos run reads from outside the platform: when a frame received after a fault
// reaches Redis (pub/sub on the load bench's sample of kline channels) and ClickHouse (polled), the
// window's closed bars as stored (after FINAL and before any merge), and the kline-gaps records.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { readWholeTopic, TOPICS, type Kafka } from '@klineflow/kafka';
import { isBenchSymbolAt } from '../load/config.js';
import { recvTimeOf } from '../load/samples.js';
import type { GapRange, StoredBar } from './recovery.js';

interface Waiter {
  readonly exchange: string | undefined;
  readonly after: number;
  readonly resolve: (at: number) => void;
}

/**
 * Subscribes to a sample of the redis-writer's kline channels (`<prefix>kline:<exchange>:<symbol>:<interval>`)
 * and tells when the first record whose recv_time is after a moment arrives.
 */
export class RedisFirstFrame {
  private readonly redis: Redis;
  private waiters: Waiter[] = [];

  constructor(
    url: string,
    private readonly keyPrefix: string,
    private readonly channels: readonly string[],
  ) {
    // Reconnects at once, so that its own backoff never counts as the platform's recovery.
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => 50 });
  }

  async start(): Promise<void> {
    await this.redis.connect();
    const exchangeAt = this.keyPrefix.length + 'kline:'.length;
    this.redis.on('message', (channel: string, message: string) => {
      if (this.waiters.length === 0) return;
      const now = Date.now();
      const recv = recvTimeOf(message);
      if (recv === undefined) return;
      const exchange = channel.slice(exchangeAt, channel.indexOf(':', exchangeAt));
      this.waiters = this.waiters.filter((w) => {
        if (recv <= w.after || (w.exchange !== undefined && w.exchange !== exchange)) return true;
        w.resolve(now);
        return false;
      });
    });
    for (let i = 0; i < this.channels.length; i += 1000) await this.redis.subscribe(...this.channels.slice(i, i + 1000));
  }

  /** When a record of `exchange` (any, if undefined) received after `after` arrived; null if none within `timeoutMs`. */
  firstAfter(after: number, exchange: string | undefined, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        exchange,
        after,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    await this.redis.unsubscribe().catch(() => undefined);
    this.redis.disconnect();
  }
}

export function clickhouseClient(url: string): ClickHouseClient {
  // Polls during a fault may fail (the sink may be down): failures are retried, not logged.
  return createClient({ url, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 60_000 });
}

/**
 * When a kline row (any version) received after `after` was first readable in ClickHouse, polling every
 * `periodMs`; null if none within `timeoutMs`. An upper bound, late by up to one poll.
 */
export async function clickhouseFirstRow(
  client: ClickHouseClient,
  database: string,
  after: number,
  exchange: string | undefined,
  timeoutMs: number,
  periodMs = 250,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const polledAt = Date.now();
    const found = await client
      .query({
        query: `SELECT count() FROM ${database}.klines PREWHERE inserted_at >= toDateTime(${Math.floor(after / 1000) - 1})
                WHERE recv_time > ${Math.floor(after)}${exchange ? ` AND exchange = '${exchange}'` : ''}`,
        format: 'TabSeparated',
      })
      .then(async (r) => Number((await r.text()).trim()) > 0)
      .catch(() => false);
    if (found) return polledAt;
    await new Promise((r) => setTimeout(r, Math.max(0, periodMs - (Date.now() - polledAt))));
  }
  return null;
}

/** Closed bars of bench symbols closing in (fromVirtual, toVirtual], one line per bar with its row count; after FINAL or not. */
export async function storedBars(
  client: ClickHouseClient,
  database: string,
  fromVirtual: number,
  toVirtual: number,
  final: boolean,
): Promise<StoredBar[]> {
  const result = await client.query({
    query: `SELECT exchange, \`interval\`, symbol, open_time, count() FROM ${database}.klines${final ? ' FINAL' : ''}
            WHERE is_closed = 1 AND open_time + interval_ms > ${Math.floor(fromVirtual)} AND open_time + interval_ms <= ${Math.floor(toVirtual)}
            GROUP BY exchange, \`interval\`, symbol, open_time`,
    format: 'TabSeparated',
  });
  const bars: StoredBar[] = [];
  for (const line of (await result.text()).split('\n')) {
    if (!line) continue;
    const [exchange, interval, symbol, openTime, rows] = line.split('\t') as [string, string, string, string, string];
    if (isBenchSymbolAt(symbol, 0)) bars.push({ exchange, interval, symbol, openTime: Number(openTime), rows: Number(rows) });
  }
  return bars;
}

/** kline-gaps records of bench symbols detected at or after `since` (ms epoch), read from the topic's start. */
export async function benchGaps(kafka: Kafka, since: number): Promise<Array<GapRange & { status: string; detected_at: number }>> {
  const gaps: Array<GapRange & { status: string; detected_at: number }> = [];
  await readWholeTopic(kafka, TOPICS.klineGaps, (records) => {
    for (const r of records) {
      if (!r.value) continue;
      try {
        const gap = JSON.parse(r.value.toString()) as GapRange & { status: string; detected_at: number };
        if (isBenchSymbolAt(gap.symbol, 0) && gap.detected_at >= since) gaps.push(gap);
      } catch {
        // not a gap record: ignored
      }
    }
  });
  return gaps;
}
