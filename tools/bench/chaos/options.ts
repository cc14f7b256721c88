// Command line of `npm run chaos:scale`: its own options (faults, pre-fault and watch periods), the
// rest passed to bench:load's parser (symbols, speed, channels, out, sim-nice, drain, warm-up).
import { parseArgs } from 'node:util';
import { parseOptions, USAGE as LOAD_USAGE, UsageError, type LoadOptions } from '../load/options.js';
import { DEFAULT_FAULTS, FAULTS, STANDBY_EXCHANGES, STANDBY_REDUNDANCY, type ChaosTiming, type Fault } from './faults.js';

export interface ChaosOptions {
  readonly load: LoadOptions;
  readonly faults: Fault[];
  readonly timing: ChaosTiming;
}

export const USAGE = `npm run chaos:scale -- [options]
  --faults LIST             comma-separated, in order, of ${FAULTS.join(', ')}
                            (default ${DEFAULT_FAULTS.join(',')})
  --pre-seconds S           pre-fault period that sets each group's lag level (default 120)
  --watch-seconds S         longest watch of one fault before the next (default 180)
  --min-watch-seconds S     shortest watch, even when everything is back sooner (default 30)
and of bench:load's (not --minutes: the faults set the window; never appended to BENCHMARKS.md):
${LOAD_USAGE.split('\n')
  .slice(1)
  .filter((line) => !/^ {2}--(minutes|no-record|out|channels) /.test(line))
  .join('\n')}
  --channels LIST    as bench:load's, default kline (the issue's scale: klines only)
  --out DIR          JSON result, markdown summary, plot, app logs, config (default dist/chaos-scale)`;

const OWN = ['faults', 'pre-seconds', 'watch-seconds', 'min-watch-seconds'] as const;

function seconds(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got "${text}"`);
  return value;
}

export function parseChaosOptions(argv: readonly string[]): ChaosOptions {
  const own: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.replace(/^--/, '').split('=')[0]!;
    if ((OWN as readonly string[]).includes(name)) {
      own.push(arg);
      if (!arg.includes('=') && i + 1 < argv.length) own.push(argv[++i]!);
    } else rest.push(arg);
  }
  if (rest.some((a) => a === '--minutes' || a.startsWith('--minutes=')))
    throw new UsageError('--minutes does not apply: the faults set the window');
  if (rest.some((a) => a === '--help')) throw new UsageError('');
  const parsed = parseArgs({
    args: own,
    options: Object.fromEntries(OWN.map((o) => [o, { type: 'string' }])) as Record<(typeof OWN)[number], { type: 'string' }>,
    strict: true,
  }).values;
  const faults = (parsed.faults?.split(',') ?? [...DEFAULT_FAULTS]).map((f) => f.trim()).filter(Boolean);
  for (const f of faults)
    if (!(FAULTS as readonly string[]).includes(f)) throw new UsageError(`--faults: "${f}" is not one of ${FAULTS.join(', ')}`);
  if (faults.length === 0) throw new UsageError('--faults needs at least one fault');
  const given = (flag: string) => rest.some((a) => a === flag || a.startsWith(`${flag}=`));
  const load = parseOptions([
    ...rest,
    ...(given('--out') ? [] : ['--out', 'dist/chaos-scale']),
    ...(given('--channels') ? [] : ['--channels', 'kline']),
  ]);
  const timing = {
    preSeconds: seconds('pre-seconds', parsed['pre-seconds'], 120),
    watchSeconds: seconds('watch-seconds', parsed['watch-seconds'], 180),
    minWatchSeconds: seconds('min-watch-seconds', parsed['min-watch-seconds'], 30),
  };
  if (timing.minWatchSeconds > timing.watchSeconds) throw new UsageError('--min-watch-seconds is above --watch-seconds');
  return {
    // Never appended to BENCHMARKS.md; the exchanges without WebSocket history on hot standby, as in the chaos suite.
    load: { ...load, record: false, redundancy: Object.fromEntries(STANDBY_EXCHANGES.map((e) => [e, STANDBY_REDUNDANCY])) },
    faults: faults as Fault[],
    timing,
  };
}
