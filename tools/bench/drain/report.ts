// Arithmetic and output of the drain benchmark: rates and CPU per message from the polls of one
// drain, the ratio to the same-run baseline, the console table and the BENCHMARKS.md section. Pure.
import type { SplitSummary } from './replicas.js';

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
  /** With several processes (replicas): each one's cumulative CPU seconds; `cpuSeconds` is their sum. */
  readonly processCpuSeconds?: readonly number[];
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
export function drainWindow(polls: readonly Poll[]): { start: number; end: number } {
  const end = polls.findIndex((p) => p.drained);
  if (end < 0) throw new Error('the range was not drained');
  let start = polls.findIndex((p) => p.progress > 0);
  if (start < 0 || start === end) start = Math.max(0, end - 1);
  return { start, end };
}

export function drainFigures(polls: readonly Poll[], messages: number): DrainFigures {
  const { start, end } = drainWindow(polls);
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

/** One replica of a multi-process drain (`--replicas`). */
export interface ReplicaFigures {
  /** 1-based. */
  readonly replica: number;
  readonly clientId: string;
  readonly metricsPort: number;
  /** `topic:partition` it held when the range was drained. */
  readonly partitions: readonly string[];
  /** Its `klineflow_consumed_total` when the range was drained, summed and by topic. */
  readonly frames: number;
  readonly framesByTopic: Readonly<Record<string, number>>;
  /** User + system over the group's timed window. */
  readonly cpuSeconds: number;
  readonly peakRssBytes: number | undefined;
}

export interface ReplicaReport {
  readonly count: number;
  readonly replicas: readonly ReplicaFigures[];
  readonly split: SplitSummary;
  /** The single-replica drain of the same run, if one ran, and combined rate / its rate. */
  readonly singlePerSecond?: number;
  readonly scaling?: number;
  /** Distinct group assignments seen while draining (1: no rebalance once every replica had joined). */
  readonly assignmentsSeen: number;
  /** Seconds from the first poll with progress until every replica held partitions (0: all did from the start). */
  readonly secondsBeforeFullGroup: number;
}

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
  /** Several processes in the app's group (`--replicas`); `figures` are then the group's: combined rate, CPU summed. */
  readonly replicas?: ReplicaReport;
}

export function compare(
  app: string,
  topics: readonly string[],
  figures: ProcessFigures,
  baseline: ProcessFigures,
  replicas?: ReplicaReport,
): ConsumerResult {
  const target = TARGETS[app] ?? { minPerSecond: 0 };
  const ratio = figures.perSecond / baseline.perSecond;
  const met = figures.perSecond >= target.minPerSecond && (target.minRatio === undefined || ratio >= target.minRatio);
  return { app, topics, figures, baseline, ratio, target, met, ...(replicas ? { replicas } : {}) };
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
  if (result.figures.perSecond < result.target.minPerSecond)
    missed.push(`${fixed(result.target.minPerSecond / result.figures.perSecond, 1)}× too slow`);
  if (result.target.minRatio !== undefined && result.ratio < result.target.minRatio)
    missed.push(`ratio ${fixed(result.ratio, 2)} < ${result.target.minRatio}`);
  return `missed (${missed.join('; ')})`;
}

/** `9/9 partitions, 51/49 % of frames` for a replicated drain; `–` for one process. */
export function describeSplit(report: ReplicaReport | undefined): string {
  if (!report || report.count < 2) return '–';
  const pct = report.split.shares.map((s) => (Number.isFinite(s) ? String(Math.round(s * 100)) : '–')).join('/');
  return `${report.split.partitionCounts.join('/')} partitions, ${pct} % of frames`;
}

const COLUMNS = [
  'consumer',
  'replicas',
  'messages',
  'msgs/s',
  'CPU µs/msg',
  'cores',
  'peak RSS MiB',
  'baseline msgs/s',
  'baseline CPU µs/msg',
  'ratio',
  'vs 1 replica',
  'split',
  'target',
  'verdict',
];
const LEFT = new Set(['consumer', 'split', 'target', 'verdict']);

function rows(results: readonly ConsumerResult[]): string[][] {
  return results.map((r) => [
    r.app,
    String(r.replicas?.count ?? 1),
    int(r.figures.messages),
    int(r.figures.perSecond),
    fixed(r.figures.cpuMicrosPerMessage, 1),
    fixed(r.figures.cores, 2),
    mib(r.figures.peakRssBytes),
    int(r.baseline.perSecond),
    fixed(r.baseline.cpuMicrosPerMessage, 1),
    fixed(r.ratio, 2),
    r.replicas?.scaling === undefined ? '–' : `${fixed(r.replicas.scaling, 2)}×`,
    describeSplit(r.replicas),
    describeTarget(r.target),
    verdict(r),
  ]);
}

export function consoleTable(results: readonly ConsumerResult[]): string {
  const table = [COLUMNS, ...rows(results)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => (row[i] as string).length)));
  return table
    .map((row) =>
      row
        .map((cell, i) => (LEFT.has(COLUMNS[i]!) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function markdownTable(results: readonly ConsumerResult[]): string {
  return [
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...rows(results).map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

/**
 * The work split of a replicated drain, in words, one line a replica under a headline: what the
 * console prints under the table and BENCHMARKS.md gets as a bullet.
 */
export function replicaLines(r: ConsumerResult): string[] {
  const report = r.replicas;
  if (!report) return [];
  const scaled =
    report.scaling === undefined
      ? 'no single-replica drain in this run to compare with'
      : `${fixed(report.scaling, 2)} × the single replica's ${int(report.singlePerSecond ?? Number.NaN)}/s in this run`;
  const { split } = report;
  const lines = [
    `${r.app} × ${report.count} (one group): ${int(r.figures.perSecond)} msgs/s combined, ${scaled}; CPU ${fixed(r.figures.cpuMicrosPerMessage, 1)} µs/msg summed over the replicas, ${fixed(r.figures.cores, 2)} cores busy;` +
      ` ${int(split.frames)} messages consumed for a range of ${int(r.figures.messages)}${split.excessFrames > 0 ? ` (${int(split.excessFrames)} read twice after a rebalance)` : ''}, busiest replica ${fixed(split.imbalance, 2)} × the mean` +
      `${split.unassigned.length > 0 ? `; held by nobody at the end: ${split.unassigned.join(' ')}` : ''}${split.shared.length > 0 ? `; held twice: ${split.shared.join(' ')}` : ''}` +
      `${report.assignmentsSeen > 1 ? `; ${report.assignmentsSeen} group assignments seen while draining` : ''}${report.secondsBeforeFullGroup > 0 ? `; the first ${fixed(report.secondsBeforeFullGroup, 1)} s of the window ran before every replica held partitions` : ''}`,
  ];
  for (const rep of report.replicas) {
    lines.push(
      `  replica ${rep.replica} (client ${rep.clientId}, /metrics :${rep.metricsPort}): ${rep.partitions.length} partitions, ${int(rep.frames)} messages (${fixed((split.shares[rep.replica - 1] ?? Number.NaN) * 100, 1)} %),` +
        ` CPU ${fixed(rep.cpuSeconds, 1)} s in the window, peak RSS ${mib(rep.peakRssBytes)} MiB; ${describePartitionList(rep.partitions)}`,
    );
  }
  return lines;
}

function describePartitionList(partitions: readonly string[]): string {
  const byTopic = new Map<string, number[]>();
  for (const key of partitions) {
    const colon = key.lastIndexOf(':');
    const topic = key.slice(0, colon);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), Number(key.slice(colon + 1))]);
  }
  return (
    [...byTopic]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([t, ps]) => `${t}:${ps.sort((a, b) => a - b).join(',')}`)
      .join(' ') || 'no partitions'
  );
}
