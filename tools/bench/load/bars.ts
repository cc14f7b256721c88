// Closed bars a run owes, from the streams and the simulator's virtual clock, and the mapping
// between that clock and the wall clock (they differ when the simulator runs faster than real time).
import { INTERVAL_MS, type ExchangeId, type Interval } from '@klineflow/exchanges';

/** One reading of the simulator clock: at wall time `realAt` its virtual time was `virtualAt`. */
export interface ClockMapping {
  readonly realAt: number;
  readonly virtualAt: number;
  readonly speed: number;
}

export function virtualToReal(clock: ClockMapping, virtual: number): number {
  return clock.realAt + (virtual - clock.virtualAt) / clock.speed;
}

export function realToVirtual(clock: ClockMapping, real: number): number {
  return clock.virtualAt + (real - clock.realAt) * clock.speed;
}

/** Bars of `intervalMs` (aligned to the epoch, as every exchange's canonical bars are) that close in (from, to]. */
export function barsClosedBetween(fromVirtual: number, toVirtual: number, intervalMs: number): number {
  if (toVirtual <= fromVirtual) return 0;
  return Math.floor(toVirtual / intervalMs) - Math.floor(fromVirtual / intervalMs);
}

export interface ExpectedBars {
  readonly exchange: ExchangeId;
  readonly interval: Interval;
  /** Closed bars each stream owes in the window. */
  readonly perStream: number;
  readonly streams: number;
  readonly expected: number;
}

/** Every (exchange, interval): symbols × bars closed in the window on the virtual clock. */
export function expectedBars(
  window: { readonly fromVirtual: number; readonly toVirtual: number },
  exchanges: readonly ExchangeId[],
  intervals: readonly Interval[],
  symbolsPerExchange: number,
): ExpectedBars[] {
  return exchanges.flatMap((exchange) =>
    intervals.map((interval) => {
      const perStream = barsClosedBetween(window.fromVirtual, window.toVirtual, INTERVAL_MS[interval]);
      return { exchange, interval, perStream, streams: symbolsPerExchange, expected: perStream * symbolsPerExchange };
    }),
  );
}

/** A stream's stored count of distinct closed bars, from the final ClickHouse query. */
export interface StoredCount {
  readonly exchange: string;
  readonly interval: string;
  readonly symbol: string;
  readonly bars: number;
}

export interface BarsCheck extends ExpectedBars {
  readonly stored: number;
  /** Bars owed but not stored, summed over the streams (a stream storing extra bars does not offset another's missing). */
  readonly missing: number;
  /** Streams with at least one missing bar. */
  readonly streamsMissing: number;
  /** Up to five streams with missing bars, `SYMBOL (stored/owed)`. */
  readonly examples: string[];
}

/** Compares per-stream stored counts with what each stream owes; symbols never stored count as fully missing. */
export function checkBars(expected: readonly ExpectedBars[], stored: readonly StoredCount[], symbols: readonly string[]): BarsCheck[] {
  const byStream = new Map(stored.map((s) => [`${s.exchange}|${s.interval}|${s.symbol}`, s.bars]));
  return expected.map((e) => {
    let total = 0;
    let missing = 0;
    let streamsMissing = 0;
    const examples: string[] = [];
    for (const symbol of symbols) {
      const bars = byStream.get(`${e.exchange}|${e.interval}|${symbol}`) ?? 0;
      total += bars;
      if (bars < e.perStream) {
        missing += e.perStream - bars;
        streamsMissing++;
        if (examples.length < 5) examples.push(`${symbol} (${bars}/${e.perStream})`);
      }
    }
    return { ...e, stored: total, missing, streamsMissing, examples };
  });
}
