// The markdown summary of a run, appended to BENCHMARKS.md under a dated heading.
import type { LoadResult } from '../result.js';
import type { Percentiles } from '../stats.js';

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const one = (n: number) => (Number.isFinite(n) ? (Math.round(n * 10) / 10).toLocaleString('en-US') : '–');
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : '–');
const signedPct = (n: number) => (Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)} %` : '–');
const yes = (b: boolean) => (b ? 'yes' : '**no**');

function percentileCells(p: Percentiles): string {
  return `${int(p.count)} | ${int(p.p50)} | ${int(p.p99)} | ${int(p.p999)} | ${int(p.max)}`;
}

/** Relative link from BENCHMARKS.md (at the repository root) to the plot. */
export function renderMarkdown(r: LoadResult, plotLink: string): string {
  const day = r.window.startedAt.slice(0, 10);
  const plans = Object.entries(r.scale.plans)
    .map(([e, p]) => `${e} ${int(p.connections)}`)
    .join(', ');
  const lines: string[] = [];
  lines.push(
    `## ${day} load benchmark: ${int(r.scale.symbolsPerExchange)} symbols × ${r.scale.intervals.length} intervals × ${r.scale.exchanges.length} exchanges, ${one(r.window.seconds / 60)} min`,
    '',
    `\`${r.command}\`, started ${r.window.startedAt}. Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}, ` +
      `Linux ${r.machine.kernel}; ${pct(r.machine.busyBeforeStart)} busy in the 2 s before the start. The simulator, every app and the whole stack share the machine.`,
    '',
    `Scale: ${int(r.scale.totalStreams)} streams (${r.scale.channels.join(' + ')}; klines in ${r.scale.intervals.join(' ')}), synthetic symbols \`LB0001USDT\`…; ` +
      `connections: ${plans}. Simulator at speed ${r.scale.speed}, open bars and tickers pushed every ${int(r.scale.updateIntervalMs)} ms, bar closes at the close; ` +
      `${simulatorPriority(r.scale.simulatorNiceness ?? 0)}.`,
    '',
    `Clean start: the bench's own ClickHouse database and Redis keys were recreated, its symbols' normalizer state forgotten ` +
      `(${int(r.cleanState.normalizerStateTombstones)} tombstones), and the platform's consumer groups moved to the topics' ends, skipping ` +
      `${Object.entries(r.cleanState.backlogSkipped)
        .map(([g, n]) => `${g} ${int(n)}`)
        .join(', ')} messages of leftover backlog. ` +
      `Warm-up ${int(r.window.warmupSeconds)} s (every stream subscribed, then 10 s), window ${int(r.window.seconds)} s, then ${int(r.window.drainSeconds)} s (limit ${int(r.window.drainLimitSeconds)} s) until the window's closed bars were in ClickHouse.`,
    '',
    `![latency per 10 s window and consumer lag over the run](${plotLink})`,
    '',
    '### Latency from receipt, per record (ms)',
    '',
    'Each StandardKline and ticker carries `recv_time`, taken by the ingest as the frame arrived; the bench takes `Date.now()` when it receives the record. ' +
      'The baseline is a bare kafkajs produce (acks=all) → consume through the same broker in the same run, at 100 msg/s, with the same fetch settings as the bench consumer (maxWaitTimeInMs 5): the floor of one Kafka hop, and what the bench consumer itself adds.',
    '',
    '| path | records | p50 | p99 | p99.9 | max |',
    '|---|---|---|---|---|---|',
    `| baseline: bare produce → consume, same broker | ${percentileCells(r.baseline)} |`,
    ...r.latency.map((row) => `| ${row.what} | ${percentileCells(row.stats)} |`),
    `| closed bar visible in ClickHouse, from its close (polled every 500 ms: up to 0.5 s late) | ${percentileCells(r.clickhouse.fromClose)} |`,
    `| closed bar visible in ClickHouse, from its recv_time | ${percentileCells(r.clickhouse.fromRecv)} |`,
    `| closed bar: from its close to the ingest's receipt of the closing frame (the simulator's delivery) | ${percentileCells(r.clickhouse.receivedAfterClose)} |`,
    '',
    `Closed bars visible in ClickHouse within 3 s of their close: **${pct(r.clickhouse.within3s)}** of the ${int(r.bars.expected)} the window owed; ` +
      `within 3 s of the receipt of their closing frame: **${pct(r.clickhouse.within3sOfReceipt)}**.`,
    '',
    'The Redis rows count what the redis-writer published: it publishes only the newest update of a key within a batch, so a late record followed by a newer one of the same stream is not seen there (kline-data shows it).',
    '',
    'p99 by exchange (ms):',
    '',
    `| path | ${r.scale.exchanges.join(' | ')} |`,
    `|---|${r.scale.exchanges.map(() => '---').join('|')}|`,
    ...r.latency.map((row) => `| ${row.name} | ${r.scale.exchanges.map((e) => int(row.byExchange[e]?.p99 ?? Number.NaN)).join(' | ')} |`),
    `| ClickHouse from close | ${r.scale.exchanges.map((e) => int(r.clickhouse.byExchangeFromClose[e]?.p99 ?? Number.NaN)).join(' | ')} |`,
    '',
    '### Consumer lag (messages)',
    '',
    "Flat: the least-squares growth over the second half of the window is under one second of the group's input (or under the lag's own spread in the first half, for batching sinks).",
    '',
    '| group | input/s | at start | at end | max | slope, 2nd half (msg/min) | flat |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(r.lag).map(([g, l]) => {
      const topics =
        g === 'normalizer'
          ? r.throughput.inPerSecond
          : g === 'clickhouse-sink'
            ? (r.throughput.byTopic['kline-data'] ?? Number.NaN)
            : r.throughput.outPerSecond;
      return `| ${g} | ${int(topics)} | ${int(l.start)} | ${int(l.end)} | ${int(l.max)} | ${int(l.slopePerMinute)} | ${yes(l.flat)} |`;
    }),
    '',
    `Frames in (raw.* growth): **${int(r.throughput.inPerSecond)}/s**; records out of the normalizer (${Object.keys(r.throughput.byTopic)
      .filter((t) => !t.startsWith('raw.'))
      .join(' + ')}): **${int(r.throughput.outPerSecond)}/s**` +
      ` (${Object.entries(r.throughput.byTopic)
        .map(([t, v]) => `${t} ${int(v)}`)
        .join(', ')}).`,
    '',
    '### CPU and RSS per process',
    '',
    "CPU is user + system time from /proc/<pid>/stat, in % of one core (100 = one full core of the machine's " +
      r.machine.cpus +
      '), sampled every second; RSS is the resident set from the same file, mean of the first minute against mean of the last minute of the window (flat within ±10 %).',
    '',
    '| process | CPU mean | CPU p95 | CPU max | RSS first min (MB) | RSS last min (MB) | change | flat |',
    '|---|---|---|---|---|---|---|---|',
    ...Object.entries(r.processes).map(
      ([name, p]) =>
        `| ${name} | ${one(p.cpuMean)} | ${one(p.cpuP95)} | ${one(p.cpuMax)} | ${one(p.rssFirstMinuteMb)} | ${one(p.rssLastMinuteMb)} | ${signedPct(p.rssChange)} | ${yes(p.rssFlat)} |`,
    ),
    `| **sum** | ${one(Object.values(r.processes).reduce((s, p) => s + (Number.isFinite(p.cpuMean) ? p.cpuMean : 0), 0))} | | | | | | |`,
    '',
    '### Closed bars: owed by the window (simulator clock) against stored in ClickHouse',
    '',
    '| exchange | interval | per stream | expected | stored | missing | streams missing |',
    '|---|---|---|---|---|---|---|',
    ...r.bars.rows
      .filter((b) => b.expected > 0 || b.stored > 0)
      .map(
        (b) =>
          `| ${b.exchange} | ${b.interval} | ${int(b.perStream)} | ${int(b.expected)} | ${int(b.stored)} | ${int(b.missing)} | ${int(b.streamsMissing)}${b.examples.length ? ` (e.g. ${b.examples.slice(0, 2).join(', ')})` : ''} |`,
      ),
    `| **all** | | | **${int(r.bars.expected)}** | **${int(r.bars.stored)}** | **${int(r.bars.missing)}** | |`,
    '',
  );
  const remarks: string[] = [...r.notes];
  if (r.crashes.length > 0)
    remarks.push(`Crashes (restarted after 1 s): ${r.crashes.map((c) => `${c.app} code ${c.code} at ${one(c.atSecond)} s`).join(', ')}.`);
  const warn = Object.entries(r.logs.warnings).map(([a, n]) => `${a} ${n}`);
  const err = Object.entries(r.logs.errors).map(([a, n]) => `${a} ${n}`);
  if (warn.length || err.length) remarks.push(`Log lines at warn: ${warn.join(', ') || 'none'}; at error: ${err.join(', ') || 'none'}.`);
  remarks.push(
    `The bench process itself (probes) is in the CPU table; ClickHouse polls took ${int(r.clickhouse.pollMsMedian)} ms (median) over ${int(r.clickhouse.polls)} polls.`,
  );
  lines.push(...remarks.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

function simulatorPriority(niceness: number): string {
  return niceness === 0
    ? 'the simulator shares the CPU equally with the platform'
    : `the simulator runs at niceness ${niceness} (\`--sim-nice\`): it stands in for exchanges on other machines, so the platform gets the cores first, and frames in show whether the simulator still delivered the whole load`;
}
