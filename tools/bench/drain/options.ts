// Command-line options of `npm run bench:drain`.
export const APPS = ['normalizer', 'redis-writer', 'clickhouse-sink'] as const;
export type AppName = (typeof APPS)[number];

export interface DrainOptions {
  /** Raw frames to pre-fill (at least; whole steps are written). */
  readonly frames: number;
  readonly symbols: number;
  readonly stepMs: number;
  readonly only: readonly AppName[];
  /** How long to wait for a running consumer group to stop before giving up. */
  readonly waitIdleMs: number;
  readonly build: boolean;
  readonly stack: boolean;
  /** Append to BENCHMARKS.md; undefined = only for a full run (≥ 1M frames, every consumer). */
  readonly record: boolean | undefined;
  /** Run the apps with --cpu-prof (profiles in dist/bench/drain/); such a run is never recorded. */
  readonly profile: boolean;
  /** Normalizer drains to run, one after the other, each with this many replicas in the group (`--replicas 1,2`). */
  readonly replicas: readonly number[];
}

export const USAGE = `npm run bench:drain -- [--frames 1000000] [--symbols 1200] [--step-ms 2000]
  [--only normalizer,redis-writer,clickhouse-sink] [--wait-idle <seconds>] [--no-build] [--no-stack] [--record | --no-record] [--cpu-prof]
  [--replicas 1,2]   normalizer drains with N processes in its group, one after the other`;

export function parseOptions(argv: readonly string[]): DrainOptions {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    if (at < 0) return undefined;
    const v = argv[at + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value\n${USAGE}`);
    return v;
  };
  const number = (name: string, fallback: number, min: number): number => {
    const text = value(name);
    const n = text === undefined ? fallback : Number(text.replace(/[_,]/g, ''));
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not "${text}"\n${USAGE}`);
    return n;
  };
  const known = new Set([
    'frames',
    'symbols',
    'step-ms',
    'only',
    'wait-idle',
    'no-build',
    'no-stack',
    'record',
    'no-record',
    'cpu-prof',
    'replicas',
    'help',
  ]);
  for (const a of argv) if (a.startsWith('--') && !known.has(a.slice(2))) throw new Error(`unknown option ${a}\n${USAGE}`);
  if (argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = (value('only') ?? APPS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const app of only)
    if (!(APPS as readonly string[]).includes(app)) throw new Error(`--only: unknown consumer "${app}"; one of ${APPS.join(', ')}`);
  const stepMs = number('step-ms', 2000, 100);
  // Beyond the HTX close grace (3 s), the normalizer's clock would close HTX bars before their successors arrive, and ask the exchange for them.
  if (stepMs > 2500) throw new Error('--step-ms must be at most 2500 (below the HTX close grace of 3 s)');
  const replicas = (value('replicas') ?? '1')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (replicas.length === 0 || replicas.some((n) => !Number.isInteger(n) || n < 1 || n > 8))
    throw new Error(`--replicas takes replica counts from 1 to 8, e.g. 2 or 1,2, not "${value('replicas')}"`);
  if (new Set(replicas).size !== replicas.length) throw new Error('--replicas: each count once');
  if (value('replicas') !== undefined && !only.includes('normalizer'))
    throw new Error('--replicas applies to the normalizer drain; --only leaves it out');
  return {
    frames: number('frames', 1_000_000, 1),
    symbols: number('symbols', 1200, 1),
    stepMs,
    only: only as AppName[],
    waitIdleMs: number('wait-idle', 0, 0) * 1000,
    build: !argv.includes('--no-build'),
    stack: !argv.includes('--no-stack'),
    record: argv.includes('--cpu-prof') ? false : argv.includes('--record') ? true : argv.includes('--no-record') ? false : undefined,
    profile: argv.includes('--cpu-prof'),
    replicas,
  };
}
