// When closed bars become visible in ClickHouse: polls the bench database every ~500 ms for
// closed bars inserted since the last poll (by the table's `inserted_at`, a server-side now()),
// and notes the poll at which each bar was first seen. The figures are upper bounds, late by up
// to one poll period. At the end, counts the distinct closed bars stored per stream.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { isBenchSymbolAt } from '../config.js';
import { virtualToReal, type ClockMapping, type StoredCount } from '../bars.js';
import type { Point } from '../stats.js';

export interface SeenBar {
  readonly exchange: string;
  readonly interval: string;
  /** Virtual close time (open_time + interval). */
  readonly close: number;
  /** Wall time of the poll that first saw the bar. */
  readonly seenAt: number;
  /** Milliseconds from the bar's close (close_time + 1, on the wall clock) to first seen. */
  readonly fromClose: number;
  /** Milliseconds from the closed record's recv_time to first seen. */
  readonly fromRecv: number;
}

export class ClickhouseProbe {
  readonly seen: SeenBar[] = [];
  private readonly keys = new Set<string>();
  private readonly client: ClickHouseClient;
  private stopped = false;
  private loop?: Promise<void>;
  polls = 0;
  failedPolls = 0;
  /** Closed bars of other symbols (something else produced to kline-data). */
  foreign = 0;
  /** Time each poll's query took, ms. */
  readonly queryMs: number[] = [];

  constructor(
    url: string,
    private readonly database: string,
    private readonly clock: ClockMapping,
    /** Bars closing after this virtual time are measured. */
    private readonly fromVirtual: number,
    private readonly periodMs = 500,
  ) {
    this.client = createClient({ url, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 30_000 });
  }

  start(): void {
    this.loop = this.run();
  }

  /** Virtual close times up to which every bar counts (set when the window ends). */
  toVirtual = Number.POSITIVE_INFINITY;

  private async run(): Promise<void> {
    let since = Math.floor(Date.now() / 1000) - 2;
    while (!this.stopped) {
      const startedAt = Date.now();
      try {
        await this.poll(since, startedAt);
        since = Math.floor(startedAt / 1000) - 2;
      } catch {
        this.failedPolls++; // the sink may not have created the table yet
      }
      this.queryMs.push(Date.now() - startedAt);
      this.polls++;
      const wait = this.periodMs - (Date.now() - startedAt);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async poll(sinceSec: number, startedAt: number): Promise<void> {
    const result = await this.client.query({
      query: `SELECT exchange, symbol, \`interval\`, open_time, interval_ms, recv_time FROM ${this.database}.klines
              PREWHERE inserted_at >= toDateTime(${sinceSec})
              WHERE is_closed = 1 AND open_time + interval_ms > ${Math.floor(this.fromVirtual)}`,
      format: 'TabSeparated',
    });
    const text = await result.text();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const [exchange, symbol, interval, openTime, intervalMs, recvTime] = line.split('\t') as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      const close = Number(openTime) + Number(intervalMs);
      if (close > this.toVirtual) continue;
      if (!isBenchSymbolAt(symbol, 0)) {
        this.foreign++;
        continue;
      }
      const key = `${exchange}|${symbol}|${interval}|${openTime}`;
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      this.seen.push({
        exchange,
        interval,
        close,
        seenAt: startedAt,
        fromClose: startedAt - virtualToReal(this.clock, close),
        fromRecv: startedAt - Number(recvTime),
      });
    }
  }

  get seenCount(): number {
    return this.seen.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Distinct closed bars per stream whose close falls in (fromVirtual, toVirtual]. */
  async storedCounts(fromVirtual: number, toVirtual: number): Promise<StoredCount[]> {
    const result = await this.client.query({
      query: `SELECT exchange, \`interval\`, symbol, uniqExact(open_time) FROM ${this.database}.klines
              WHERE is_closed = 1 AND open_time + interval_ms > ${Math.floor(fromVirtual)} AND open_time + interval_ms <= ${Math.floor(toVirtual)}
              GROUP BY exchange, \`interval\`, symbol`,
      format: 'TabSeparated',
    });
    return (await result.text())
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [exchange, interval, symbol, bars] = line.split('\t') as [string, string, string, string];
        return { exchange, interval, symbol, bars: Number(bars) };
      });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Latency points (t = seen time relative to `origin`) of the bars, for windowed plotting. */
export function seenPoints(seen: readonly SeenBar[], origin: number, pick: (s: SeenBar) => number): Point[] {
  return seen.map((s) => ({ t: s.seenAt - origin, v: pick(s) }));
}
