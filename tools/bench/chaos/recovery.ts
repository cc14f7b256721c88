// Pure logic of the scale chaos run: a consumer group's pre-fault lag level and when its lag is back
// to it after a fault, duplicates among stored closed bars, and which missing bars no kline-gaps
// record covers.
import { between, percentileOfSorted, type Point } from '../load/stats.js';

/** The percentile of a group's pre-fault lag samples taken as its level. */
export const LEVEL_PERCENTILE = 95;

/** p95 of the lag samples with from <= t < to (NaN without samples). */
export function lagLevel(points: readonly Point[], from: number, to: number): number {
  const values = between(points, from, to)
    .map((p) => p.v)
    .sort((a, b) => a - b);
  return percentileOfSorted(values, LEVEL_PERCENTILE);
}

export interface LagRecovery {
  /** The group's level (p95 of its pre-fault lag). */
  readonly level: number;
  /** Highest lag sampled in (fault, until]. */
  readonly peak: number;
  /** Milliseconds from the fault to the peak sample. */
  readonly peakAfterMs: number;
  /**
   * Milliseconds from the fault to the first sample at or below the level after the peak; 0 when no
   * sample after the fault exceeded the level; null when the lag was still above it at `until`.
   */
  readonly backAfterMs: number | null;
}

/**
 * When a group's lag was back to its pre-fault level after a fault at `fault`, judged on the samples in
 * (fault, until] (until: the next fault or the end of the window). The lag of a killed consumer rises a
 * little after the fault (its commits stop), so a low sample right after the fault is not a recovery:
 * recovery is the first sample at or below the level after the highest one. The figure is as fine as
 * the sampling period.
 */
export function lagRecovery(points: readonly Point[], level: number, fault: number, until: number): LagRecovery {
  const after = points.filter((p) => p.t > fault && p.t <= until).sort((a, b) => a.t - b.t);
  if (after.length === 0) return { level, peak: Number.NaN, peakAfterMs: Number.NaN, backAfterMs: null };
  let peakAt = 0;
  for (let i = 1; i < after.length; i++) if (after[i]!.v > after[peakAt]!.v) peakAt = i;
  const peak = after[peakAt]!;
  const base = { level, peak: peak.v, peakAfterMs: peak.t - fault };
  if (peak.v <= level) return { ...base, backAfterMs: 0 };
  const back = after.slice(peakAt + 1).find((p) => p.v <= level);
  return { ...base, backAfterMs: back ? back.t - fault : null };
}

/** A closed bar stored in ClickHouse, and how many rows hold it (after FINAL, or before any merge). */
export interface StoredBar {
  readonly exchange: string;
  readonly interval: string;
  readonly symbol: string;
  readonly openTime: number;
  readonly rows: number;
}

export interface MissingBar {
  readonly exchange: string;
  readonly symbol: string;
  readonly interval: string;
  readonly openTime: number;
}

/** The fields of a kline-gaps record the check needs. */
export interface GapRange {
  readonly exchange: string;
  readonly symbol: string;
  readonly interval: string;
  readonly from_open_time: number;
  readonly to_open_time: number;
}

/** Open times of the bars of `intervalMs` that close in (fromVirtual, toVirtual], as bars.ts counts them. */
export function owedOpenTimes(fromVirtual: number, toVirtual: number, intervalMs: number): number[] {
  const out: number[] = [];
  for (let close = (Math.floor(fromVirtual / intervalMs) + 1) * intervalMs; close <= toVirtual; close += intervalMs)
    out.push(close - intervalMs);
  return out;
}

/** Missing bars that no gap record covers (same stream, from_open_time <= open time <= to_open_time). */
export function uncoveredBars(missing: readonly MissingBar[], gaps: readonly GapRange[]): MissingBar[] {
  const byStream = new Map<string, GapRange[]>();
  for (const g of gaps) {
    const key = `${g.exchange}|${g.symbol}|${g.interval}`;
    byStream.set(key, [...(byStream.get(key) ?? []), g]);
  }
  return missing.filter(
    (m) =>
      !(byStream.get(`${m.exchange}|${m.symbol}|${m.interval}`) ?? []).some(
        (g) => g.from_open_time <= m.openTime && m.openTime <= g.to_open_time,
      ),
  );
}

export interface BarAudit {
  /** Closed bars the simulator owed in the segment (every stream × bar closes in (from, to]). */
  readonly owed: number;
  /** Of those, stored (after FINAL). */
  readonly stored: number;
  /** Owed and not stored, per exchange. */
  readonly missing: Record<string, number>;
  /** Missing bars of exchanges allowed to lose them (a hot-standby exchange whose connections all went down) that a kline-gaps record covers. */
  readonly reported: number;
  /** Missing bars that count as lost: not allowed, or not covered by a gap record; up to five as examples. */
  readonly lost: number;
  readonly lostExamples: string[];
  /** Rows beyond the first of a bar after FINAL: what a reader with FINAL would see twice (must be 0). */
  readonly duplicatesFinal: number;
  /** Rows beyond the first of a bar before any merge: replays (at-least-once delivery) the table collapses. */
  readonly duplicatesRaw: number;
}

const barKey = (exchange: string, symbol: string, interval: string, openTime: number) => `${exchange}|${symbol}|${interval}|${openTime}`;

/**
 * Owed vs stored for the bars closing in (fromVirtual, toVirtual]: every owed bar of every stream must be
 * stored once after FINAL; a missing one is excused only on an exchange in `mayLose` and only when a
 * kline-gaps record covers it.
 */
export function auditBars(
  segment: { readonly fromVirtual: number; readonly toVirtual: number },
  streams: {
    readonly exchanges: readonly string[];
    readonly symbols: readonly string[];
    readonly intervals: Readonly<Record<string, number>>;
  },
  final: readonly StoredBar[],
  raw: readonly StoredBar[],
  gaps: readonly GapRange[],
  mayLose: readonly string[],
): BarAudit {
  const inSegment = (b: StoredBar) => {
    const close = b.openTime + (streams.intervals[b.interval] ?? Number.NaN);
    return close > segment.fromVirtual && close <= segment.toVirtual;
  };
  const stored = new Map(final.filter(inSegment).map((b) => [barKey(b.exchange, b.symbol, b.interval, b.openTime), b.rows]));
  const extra = (bars: readonly StoredBar[]) => bars.filter(inSegment).reduce((n, b) => n + Math.max(0, b.rows - 1), 0);
  const missing: Record<string, number> = {};
  const missingBars: MissingBar[] = [];
  let owed = 0;
  let found = 0;
  for (const exchange of streams.exchanges) {
    missing[exchange] = 0;
    for (const [interval, ms] of Object.entries(streams.intervals)) {
      const openTimes = owedOpenTimes(segment.fromVirtual, segment.toVirtual, ms);
      for (const symbol of streams.symbols) {
        for (const openTime of openTimes) {
          owed++;
          if (stored.has(barKey(exchange, symbol, interval, openTime))) found++;
          else {
            missing[exchange]!++;
            missingBars.push({ exchange, symbol, interval, openTime });
          }
        }
      }
    }
  }
  const excusable = missingBars.filter((m) => mayLose.includes(m.exchange));
  const uncovered = new Set(uncoveredBars(excusable, gaps));
  const lostBars = missingBars.filter((m) => !mayLose.includes(m.exchange) || uncovered.has(m));
  return {
    owed,
    stored: found,
    missing,
    reported: excusable.length - uncovered.size,
    lost: lostBars.length,
    lostExamples: lostBars.slice(0, 5).map((m) => `${m.exchange} ${m.symbol} ${m.interval} ${new Date(m.openTime).toISOString()}`),
    duplicatesFinal: extra(final),
    duplicatesRaw: extra(raw),
  };
}
