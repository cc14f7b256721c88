// The markdown summary of a scale chaos run (written next to its JSON result; the figures go to
// RELIABILITY.md by hand, under "At 1,200 × 6 × 3").
import type { LoadResult } from '../load/result.js';
import { GROUPS, type ChaosResult, type FaultResult } from './faults.js';
import type { BarAudit, LagRecovery } from './recovery.js';

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const secs = (ms: number | null | undefined) =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? 'not within the watch' : `${(ms / 1000).toFixed(2)} s`;

function lagCell(r: LagRecovery | undefined): string {
  if (!r) return '–';
  if (r.backAfterMs === 0) return `never above (peak ${int(r.peak)})`;
  return `${secs(r.backAfterMs)} (peak ${int(r.peak)} at ${secs(r.peakAfterMs)})`;
}

function barCells(a: BarAudit | undefined): string {
  if (!a) return '– | – | – | –';
  const missing = Object.entries(a.missing)
    .filter(([, n]) => n > 0)
    .map(([e, n]) => `${e} ${int(n)}`)
    .join(', ');
  const lost = a.lost > 0 ? `**${int(a.lost)} lost** (e.g. ${a.lostExamples.slice(0, 2).join('; ')})` : '0 lost';
  return `${int(a.owed)} | ${int(a.stored)} | ${missing ? `${missing}: ${int(a.reported)} reported in kline-gaps, ${lost}` : '0'} | ${int(a.duplicatesFinal)} (${int(a.duplicatesRaw)} before merge)`;
}

/** The stores on a fault's path: a killed sink's is its own store only. */
function firstFrame(r: FaultResult): string {
  const back = r.serviceBackAfterMs;
  const fromBack = (ms: number | null) => (ms !== null && back !== null ? ` (${secs(ms - back)} after it was back)` : '');
  const redis = `Redis ${secs(r.firstFrameRedisMs)}${fromBack(r.firstFrameRedisMs)}`;
  const clickhouse = `ClickHouse ${secs(r.firstFrameClickhouseMs)}${fromBack(r.firstFrameClickhouseMs)}`;
  if (r.fault === 'kill:clickhouse-sink') return clickhouse;
  if (r.fault === 'kill:redis-writer') return redis;
  return `${redis}, ${clickhouse}`;
}

function back(r: FaultResult): string {
  if (r.fault.startsWith('drop:')) return `every stream subscribed again after ${secs(r.resubscribedAfterMs)}`;
  if (r.fault.startsWith('kill:')) return `restarted after ${secs(r.serviceBackAfterMs)}`;
  return `broker accepting after ${secs(r.serviceBackAfterMs)}`;
}

export function renderChaosMarkdown(load: LoadResult, chaos: ChaosResult): string {
  const lines = [
    `## Chaos at scale, ${load.window.startedAt}: ${int(load.scale.symbolsPerExchange)} symbols × ${load.scale.intervals.length} intervals × ${load.scale.exchanges.length} exchanges`,
    '',
    `\`${load.command}\`: ${int(load.scale.totalStreams)} streams (${load.scale.channels.join(' + ')}), simulator at speed ${load.scale.speed}; ` +
      `${chaos.standby.exchanges.join(', ')} with redundancy ${chaos.standby.redundancy} (hot standby). Warm-up ${int(load.window.warmupSeconds)} s, window ${int(load.window.seconds)} s ` +
      `(pre-fault ${int(chaos.timing.preSeconds)} s, each fault watched ${int(chaos.timing.minWatchSeconds)}–${int(chaos.timing.watchSeconds)} s), drain ${int(load.window.drainSeconds)} s.`,
    '',
    `Pre-fault lag level (p95 of the lag sampled every ${chaos.lagPeriodMs / 1000} s over the pre-fault period): ` +
      GROUPS.map((g) => `${g} ${int(chaos.levels[g]?.level ?? Number.NaN)} (${chaos.levels[g]?.samples ?? 0} samples)`).join(', ') +
      '. "Lag back" is the first sample at or below the level after the highest sample of the fault\'s watch.',
    '',
    '| fault | at | service back | first frame again (from the fault) | ' +
      GROUPS.map((g) => `${g} lag back`).join(' | ') +
      ' | bars owed | stored | missing | duplicates after FINAL |',
    `|---|---|---|---|${GROUPS.map(() => '---').join('|')}|---|---|---|---|`,
    `| (none: pre-fault) | 0 s | – | – | ${GROUPS.map(() => '–').join(' | ')} | ${barCells(chaos.preFault.bars)} |`,
    ...chaos.results.map(
      (r) =>
        `| ${r.fault} | ${int(r.atSecond)} s | ${back(r)} | ${firstFrame(r)} | ${GROUPS.map((g) => lagCell(r.lag[g])).join(' | ')} | ${barCells(r.bars)} |`,
    ),
    `| **whole window** | | | | ${GROUPS.map(() => '').join(' | ')} | ${barCells(chaos.whole)} |`,
    '',
    `kline-gaps records of the run: ${int(chaos.gaps?.records ?? Number.NaN)}; opened: ${Object.entries(chaos.gaps?.opened ?? {})
      .map(([e, n]) => `${e} ${int(n)}`)
      .join(', ')}.`,
    `Crashes seen by the supervisor (each kill is one): ${load.crashes.map((c) => `${c.app} at ${int(c.atSecond)} s (code ${c.code})`).join(', ') || 'none'}.`,
    '',
    ...[...chaos.notes, ...load.notes].map((n) => `- ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
