// The JSON result of one load run, and how the raw measurements become it.
import type { CleanState } from './prepare.js';
import type { BarsCheck } from './bars.js';
import type { ExchangePlan } from './config.js';
import { levelFlatness, type LagTrend, type Percentiles, type Point, type Windowed } from './stats.js';

export interface LatencyRow {
  /** Short label used in tables and the plot legend. */
  readonly name: string;
  /** From where to where, in words. */
  readonly what: string;
  readonly stats: Percentiles;
  readonly byExchange: Record<string, Percentiles>;
}

export interface ProcessFigures {
  readonly pids: number[];
  /** Percent of one core. */
  readonly cpuMean: number;
  readonly cpuP95: number;
  readonly cpuMax: number;
  readonly rssFirstMinuteMb: number;
  readonly rssLastMinuteMb: number;
  readonly rssMaxMb: number;
  /** (last − first) / first. */
  readonly rssChange: number;
  readonly rssFlat: boolean;
}

export interface LoadResult {
  readonly version: 1;
  readonly stamp: string;
  readonly command: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGb: number;
    readonly node: string;
    readonly kernel: string;
    /** Share of the machine busy in the two seconds before the run started (0..1). */
    readonly busyBeforeStart: number;
  };
  readonly scale: {
    readonly symbolsPerExchange: number;
    readonly exchanges: string[];
    readonly intervals: string[];
    readonly channels: string[];
    readonly plans: Record<string, ExchangePlan>;
    readonly totalStreams: number;
    readonly speed: number;
    readonly updateIntervalMs: number;
    /** Niceness of the simulator's process (absent in results before it was set: 0). */
    readonly simulatorNiceness?: number;
  };
  readonly cleanState: CleanState;
  readonly window: {
    readonly startedAt: string;
    readonly seconds: number;
    readonly warmupSeconds: number;
    /** How long the window's closed bars took to be all in ClickHouse after the window, or the limit if some never came. */
    readonly drainSeconds: number;
    readonly drainLimitSeconds: number;
    readonly fromVirtual: number;
    readonly toVirtual: number;
  };
  readonly latency: LatencyRow[];
  /** Bare produce → consume through the same broker, same run. */
  readonly baseline: Percentiles;
  readonly clickhouse: {
    readonly fromClose: Percentiles;
    readonly fromRecv: Percentiles;
    /** From the bar's close to the ingest's receipt of its closing frame: the simulator's delivery, not the platform's work. */
    readonly receivedAfterClose: Percentiles;
    readonly byExchangeFromClose: Record<string, Percentiles>;
    /** Share of the window's closed bars visible within 3 s of their close (never-seen bars count as late). */
    readonly within3s: number;
    /** The same share counted from each closing frame's receipt (recv_time): what the platform itself added. */
    readonly within3sOfReceipt: number;
    readonly seen: number;
    readonly pollMsMedian: number;
    readonly polls: number;
  };
  readonly lag: Record<string, LagTrend>;
  readonly throughput: {
    /** raw.* end-offset growth, frames/s. */
    readonly inPerSecond: number;
    /** Normalized output topics' growth, records/s. */
    readonly outPerSecond: number;
    readonly byTopic: Record<string, number>;
    /** Records/s the latency probes saw, per destination. */
    readonly probed: Record<string, number>;
  };
  readonly processes: Record<string, ProcessFigures>;
  readonly bars: {
    readonly rows: BarsCheck[];
    readonly expected: number;
    readonly stored: number;
    readonly missing: number;
  };
  readonly crashes: Array<{ app: string; code: number | null; atSecond: number }>;
  readonly logs: { readonly file: string; readonly warnings: Record<string, number>; readonly errors: Record<string, number> };
  readonly notes: string[];
  readonly series: {
    /** Seconds since the window started; latency per 10 s window. */
    readonly latencyWindows: Record<string, Windowed[]>;
    /** Seconds since the window started. */
    readonly lag: Record<string, Point[]>;
    readonly cpu: Record<string, Point[]>;
    readonly rssMb: Record<string, Point[]>;
  };
  readonly files: { json: string; svg: string; log: string; config: string };
}

export function processFigures(cpu: readonly Point[], rssMb: readonly Point[], pids: number[], from: number, to: number): ProcessFigures {
  const inWindow = (p: Point) => p.t >= from && p.t <= to;
  const cpuValues = cpu
    .filter(inWindow)
    .map((p) => p.v)
    .sort((a, b) => a - b);
  const rss = rssMb.filter(inWindow);
  // The first and last minute (or halves, in a window shorter than two minutes).
  const flatness = levelFlatness(rss, from, to, Math.min(60_000, (to - from) / 2));
  return {
    pids,
    cpuMean: cpuValues.length ? cpuValues.reduce((a, b) => a + b, 0) / cpuValues.length : Number.NaN,
    cpuP95: cpuValues.length ? cpuValues[Math.min(cpuValues.length - 1, Math.ceil(0.95 * cpuValues.length) - 1)]! : Number.NaN,
    cpuMax: cpuValues.length ? cpuValues[cpuValues.length - 1]! : Number.NaN,
    rssFirstMinuteMb: flatness.first,
    rssLastMinuteMb: flatness.last,
    rssMaxMb: rss.length ? Math.max(...rss.map((p) => p.v)) : Number.NaN,
    rssChange: flatness.change,
    rssFlat: flatness.flat,
  };
}
