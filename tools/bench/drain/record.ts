// What one drain benchmark run records: the JSON written to dist/bench/ and the section appended to BENCHMARKS.md.
import { TOPICS } from '@klineflow/kafka';
import type { FillResult } from './fill.js';
import type { Expected } from './generate.js';
import type { DrainOptions } from './options.js';
import { markdownTable, replicaLines, type ConsumerResult } from './report.js';

export interface RunRecord {
  readonly started: string;
  finished?: string;
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly machine: { readonly cpus: number; readonly model: string; readonly node: string; readonly loadAverage: number[] };
  readonly options: DrainOptions;
  readonly results: ConsumerResult[];
  normalizer?: {
    readonly fill: FillResult;
    /** Frames in the drained range that the benchmark did not write. */
    readonly foreignFrames: number;
    /** Frames the normalizer group had not read before the range, skipped by moving it. */
    readonly skippedBacklog: number;
    readonly expected: Expected;
    /** Messages the drain added to each output topic. */
    readonly written: Record<string, number>;
    /** End offsets by `topic:partition`: the raw range, and the output topics before and after the drain. */
    readonly offsets?: Record<string, Record<string, string>>;
    /** With several normalizer drains (`--replicas 1,2`): what each wrote; `written` and `offsets` are the last one's. */
    readonly drains?: ReadonlyArray<{ readonly replicas: number; readonly written: Record<string, number> }>;
  };
  sinkFill?: FillResult & { readonly frames: number };
  readonly notes: string[];
}

const int = (n: number | undefined) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));

export function markdownSection(record: RunRecord): string {
  const date = record.started.slice(0, 10);
  const { options } = record;
  const lines = [
    '',
    `## ${date} drain benchmark (\`npm run bench:drain\`)`,
    '',
    `${int(options.frames)} raw frames requested (${int(options.symbols)} symbols × 6 intervals × 3 exchanges, klines plus tickers, ${options.stepMs / 1000} s of exchange time a step),` +
      ` pre-filled into \`raw.*\`${record.normalizer ? ` at ${int(record.normalizer.fill.messages / record.normalizer.fill.seconds)} frames/s` : ''}.` +
      ' Each consumer drained its range as one built process (`dist/apps/<app>/main.js`, default settings, its own Redis prefix and ClickHouse database),' +
      ' timed from the first poll (every 250 ms) that saw its group commit to the first that saw the range drained; CPU is user + system of the process over that window.' +
      ' The baseline is a bare kafkajs consume loop with the same consumer settings (libs/kafka `groupConsumerConfig`) over the same messages, from the same offsets, in the same run.',
    '',
    `Commit ${record.git.commit}${record.git.dirty ? ' plus uncommitted changes in apps/ or libs/' : ''}; ${record.machine.cpus} cores (${record.machine.model}), Node ${record.machine.node}, load average ${record.machine.loadAverage.map((l) => l.toFixed(1)).join(' ')} at the start.`,
    '',
    markdownTable(record.results),
    '',
  ];
  if (record.normalizer) {
    const w = record.normalizer.written;
    lines.push(
      `- The normalizer drained ${int(record.normalizer.fill.messages)} benchmark frames${record.normalizer.foreignFrames ? ` plus ${int(record.normalizer.foreignFrames)} written by others meanwhile` : ''}` +
        ` and wrote ${int(w[TOPICS.klines])} klines (expected ${int(record.normalizer.expected.klines)}), ${int(w[TOPICS.tickers])} tickers and ${int(w[TOPICS.normalizerState])} \`normalizer-state\` snapshots;` +
        ` dead letters ${int(w[TOPICS.deadLetter])}, gap events ${int(w[TOPICS.klineGaps])}, backfill requests ${int(w[TOPICS.backfillRequests])}. The sinks drained these records.`,
    );
    if (record.normalizer.skippedBacklog > 0) {
      lines.push(
        `- The normalizer group was ${int(record.normalizer.skippedBacklog)} raw frames behind before the fill (left by an earlier run); moving it to the benchmark range skipped them.`,
      );
    }
  }
  if (record.sinkFill)
    lines.push(
      `- The sinks drained ${int(record.sinkFill.messages)} records made in-process by the real Normalizer from ${int(record.sinkFill.frames)} generated frames.`,
    );
  for (const r of record.results) {
    lines.push(
      `- ${r.app}: start-up to first commit ${r.figures.startupSeconds.toFixed(1)} s (baseline ${r.baseline.startupSeconds.toFixed(1)} s), timed window ${r.figures.seconds.toFixed(1)} s over ${int(r.figures.measured)} messages, ${r.figures.cores.toFixed(2)} cores busy (baseline ${r.baseline.cores.toFixed(2)}).`,
    );
  }
  for (const r of record.results) {
    if (!r.replicas || (r.replicas.count === 1 && options.replicas.length <= 1)) continue;
    const [headline, ...perReplica] = replicaLines(r);
    lines.push(`- ${headline}`, ...perReplica.map((line) => `  - ${line.trim()}`));
  }
  for (const note of record.notes) lines.push(`- ${note}`);
  lines.push('');
  return `${lines.join('\n')}\n`;
}
