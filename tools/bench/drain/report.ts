// Arithmetic and output of the drain benchmark: rates and CPU per message from the polls of one
// drain, the ratio to the same-run baseline, the console table and the BENCHMARKS.md section. Pure.

/** One poll of a draining group: its committed progress and the process's cumulative CPU then. */
export interface Poll {
  /** ms epoch. */
  readonly at: number;
  /** Messages of the range committed. */
  readonly progress: number;
  readonly drained: boolean;
  /** Cumulative user + system seconds of the consumer process. */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

export interface DrainFigures {
  /** Messages in the range. */
  readonly messages: number;
  /** Messages timed: those committed after the first poll that saw progress. */
  readonly measured: number;
  /** From the first poll that saw progress to the first that saw the range drained. */
  readonly seconds: number;
  readonly perSecond: number;
  readonly cpuSeconds: number;
  readonly cpuMicrosPerMessage: number;
  /** CPU over the window as a share of one core. */
  readonly cores: number;
  /** Highest RSS seen while draining. */
  readonly rssMaxBytes: number;
}

/**
 * The timed window of a drain: from the first poll that saw progress (start-up, group join and
 * the first batch are behind it) to the first that saw the range drained. When both are the same
 * poll (a range drained between two polls) the window starts at the poll before.
 */
export function drainFigures(polls: readonly Poll[], messages: number): DrainFigures {
  const end = polls.findIndex((p) => p.drained);
  if (end < 0) throw new Error('the range was not drained');
  let start = polls.findIndex((p) => p.progress > 0);
  if (start < 0 || start === end) start = Math.max(0, end - 1);
  const from = polls[start] as Poll;
  const to = polls[end] as Poll;
  const measured = messages - from.progress;
  const seconds = (to.at - from.at) / 1000;
  const cpuSeconds = to.cpuSeconds - from.cpuSeconds;
  let rssMaxBytes = 0;
  for (let i = start; i <= end; i++) rssMaxBytes = Math.max(rssMaxBytes, (polls[i] as Poll).rssBytes);
  return {
    messages,
    measured,
    seconds,
    perSecond: seconds > 0 ? measured / seconds : Number.NaN,
    cpuSeconds,
    cpuMicrosPerMessage: measured > 0 ? (cpuSeconds * 1e6) / measured : Number.NaN,
    cores: seconds > 0 ? cpuSeconds / seconds : Number.NaN,
    rssMaxBytes,
  };
}

export interface ProcessFigures extends DrainFigures {
  /** From spawning the process to the first poll that saw progress. */
  readonly startupSeconds: number;
  /** VmHWM at the end: the peak of the whole process life. */
  readonly peakRssBytes: number | undefined;
  readonly exitCode: number | null;
}

export interface Target {
  readonly minPerSecond: number;
  readonly aimPerSecond?: number;
  /** Minimum ratio to the same-run bare-consume baseline. */
  readonly minRatio?: number;
}

/** Issue 8's throughput targets for one instance. */
export const TARGETS: Record<string, Target> = {
  normalizer: { minPerSecond: 50_000, aimPerSecond: 100_000, minRatio: 0.5 },
  'redis-writer': { minPerSecond: 50_000 },
  'clickhouse-sink': { minPerSecond: 100_000 },
};

export interface ConsumerResult {
  readonly app: string;
  /** What it reads, e.g. `raw.binance, raw.okx, raw.huobi`. */
  readonly topics: readonly string[];
  readonly figures: ProcessFigures;
  readonly baseline: ProcessFigures;
  /** App rate / baseline rate. */
  readonly ratio: number;
  readonly target: Target;
  readonly met: boolean;
}

export function compare(app: string, topics: readonly string[], figures: ProcessFigures, baseline: ProcessFigures): ConsumerResult {
  const target = TARGETS[app] ?? { minPerSecond: 0 };
  const ratio = figures.perSecond / baseline.perSecond;
  const met = figures.perSecond >= target.minPerSecond && (target.minRatio === undefined || ratio >= target.minRatio);
  return { app, topics, figures, baseline, ratio, target, met };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const mib = (bytes: number | undefined) => (bytes === undefined ? '–' : String(Math.round(bytes / 1048576)));

export function describeTarget(target: Target): string {
  const parts = [`≥ ${int(target.minPerSecond)}/s`];
  if (target.minRatio !== undefined) parts.push(`≥ ${target.minRatio} × baseline`);
  if (target.aimPerSecond !== undefined) parts.push(`aim ${int(target.aimPerSecond)}/s`);
  return parts.join(', ');
}

/** The shortfall, in words: "met", or by how much the rate (and ratio) fall short. */
export function verdict(result: ConsumerResult): string {
  if (result.met) return 'met';
  const missed: string[] = [];
  if (result.figures.perSecond < result.target.minPerSecond) missed.push(`${fixed(result.target.minPerSecond / result.figures.perSecond, 1)}× too slow`);
  if (result.target.minRatio !== undefined && result.ratio < result.target.minRatio) missed.push(`ratio ${fixed(result.ratio, 2)} < ${result.target.minRatio}`);
  return `missed (${missed.join('; ')})`;
}

const COLUMNS = ['consumer', 'messages', 'msgs/s', 'CPU µs/msg', 'cores', 'peak RSS MiB', 'baseline msgs/s', 'baseline CPU µs/msg', 'ratio', 'target', 'verdict'];

function rows(results: readonly ConsumerResult[]): string[][] {
  return results.map((r) => [
    r.app, int(r.figures.messages), int(r.figures.perSecond), fixed(r.figures.cpuMicrosPerMessage, 1), fixed(r.figures.cores, 2), mib(r.figures.peakRssBytes),
    int(r.baseline.perSecond), fixed(r.baseline.cpuMicrosPerMessage, 1), fixed(r.ratio, 2), describeTarget(r.target), verdict(r),
  ]);
}

export function consoleTable(results: readonly ConsumerResult[]): string {
  const table = [COLUMNS, ...rows(results)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => (row[i] as string).length)));
  return table.map((row) => row.map((cell, i) => (i === 0 || i >= 9 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

export function markdownTable(results: readonly ConsumerResult[]): string {
  return [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`, ...rows(results).map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
