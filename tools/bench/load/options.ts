// Command line of `npm run bench:load`.
import { parseArgs } from 'node:util';
import { CHANNELS, type Channel } from '@klineflow/exchanges';
import type { BenchExchange } from '../shared/exchanges.js';

export interface LoadOptions {
  /** Symbols per exchange. */
  readonly symbols: number;
  /** Length of the measured window. */
  readonly minutes: number;
  /** Simulator clock speed: 1 = real time. */
  readonly speed: number;
  readonly channels: readonly Channel[];
  /** Directory of the JSON result, the app logs and the generated config. */
  readonly out: string;
  /** Append the summary to BENCHMARKS.md and write the plot under docs/bench/ (off for trial runs). */
  readonly record: boolean;
  /** Leave the bench's Redis keys and ClickHouse database in place after the run. */
  readonly keepData: boolean;
  /** Longest wait, after the window, for the window's closed bars to reach ClickHouse. */
  readonly drainSeconds: number;
  /** Longest wait for every stream to be subscribed and flowing before the window starts. */
  readonly warmupSeconds: number;
  /**
   * Niceness of the simulator's process. It stands in for exchanges on other machines, whose CPU is not
   * the platform's: at 10 the platform under test gets the 2 cores first, and the frames-in rate shows
   * whether the simulator still delivered the whole load. 0 shares the CPU equally.
   */
  readonly simNice: number;
  /** Connections per shard where not 1: not a bench:load option; the scale chaos run sets OKX's to 2. */
  readonly redundancy?: Partial<Record<BenchExchange, number>>;
}

export const USAGE = `npm run bench:load -- [options]
  --symbols N        symbols per exchange (default 1200); streams = N × (6 intervals + other channels) × 3 exchanges
  --minutes M        measured minutes after warm-up (default 10)
  --speed S          simulator clock speed (default 1 = real time; bar closes then meet the wall clock)
  --channels LIST    comma-separated, of ${CHANNELS.join(', ')} (default kline,ticker)
  --out DIR          JSON result, app logs and generated config (default dist/bench)
  --no-record        do not append to BENCHMARKS.md nor write docs/bench/*.svg (trial runs)
  --keep-data        keep the bench's Redis keys and ClickHouse database afterwards
  --drain-seconds S  wait up to S s after the window for its closed bars in ClickHouse (default 60)
  --warmup-seconds S wait up to S s for every subscription before the window starts (default 300)
  --sim-nice N       niceness of the simulator's process, 0–19 (default 10: the exchanges' CPU is not the platform's; 0 = equal share)`;

export class UsageError extends Error {}

function positive(name: string, text: string | undefined, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return value;
}

function niceness(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 19)
    throw new UsageError(`--sim-nice must be an integer from 0 to 19, got "${text}"`);
  return value;
}

export function parseOptions(argv: readonly string[]): LoadOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        symbols: { type: 'string' },
        minutes: { type: 'string' },
        speed: { type: 'string' },
        channels: { type: 'string' },
        out: { type: 'string' },
        'no-record': { type: 'boolean' },
        'keep-data': { type: 'boolean' },
        'drain-seconds': { type: 'string' },
        'warmup-seconds': { type: 'string' },
        'sim-nice': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.help) throw new UsageError('');
  const channels = (parsed.channels ?? 'kline,ticker')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of channels) {
    if (!(CHANNELS as readonly string[]).includes(c)) throw new UsageError(`--channels: "${c}" is not one of ${CHANNELS.join(', ')}`);
  }
  if (channels.length === 0) throw new UsageError('--channels needs at least one channel');
  return {
    symbols: positive('symbols', parsed.symbols, 1200, true),
    minutes: positive('minutes', parsed.minutes, 10),
    speed: positive('speed', parsed.speed, 1),
    channels: [...new Set(channels)] as Channel[],
    out: parsed.out ?? 'dist/bench',
    record: !parsed['no-record'],
    keepData: parsed['keep-data'] ?? false,
    drainSeconds: positive('drain-seconds', parsed['drain-seconds'], 60),
    warmupSeconds: positive('warmup-seconds', parsed['warmup-seconds'], 300),
    simNice: niceness(parsed['sim-nice'], 10),
  };
}
