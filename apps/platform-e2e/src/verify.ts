import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { Big } from 'big.js';
import { validateStandardKline, type KlineGap, type StandardKline } from '@klineflow/schemas';
import type { ClosedBar, SimControl } from '@klineflow/sim-control';
import { closedBarsInClickhouse, sameDecimal, waitFor, type StoredBar } from './harness.js';

const barKey = (b: { symbol: string; interval: string; open_time: number | string }) => `${b.symbol}|${b.interval}|${b.open_time}`;

/** What is wrong with ClickHouse against the exchange's closed bars: missing, doubled or inexact; undefined when nothing. */
function firstMismatch(exchange: string, expected: readonly ClosedBar[], stored: readonly StoredBar[]): string | undefined {
  const byKey = new Map<string, StoredBar[]>();
  for (const row of stored) byKey.set(barKey(row), [...(byKey.get(barKey(row)) ?? []), row]);
  const missing = expected.filter((b) => !byKey.has(barKey(b)));
  if (missing.length > 0) return `${missing.length} of ${expected.length} missing, e.g. ${JSON.stringify(missing.slice(0, 3))}`;
  for (const bar of expected) {
    const rows = byKey.get(barKey(bar))!;
    if (rows.length !== 1) return `${exchange} ${barKey(bar)} is in ClickHouse ${rows.length} times after FINAL: ${JSON.stringify(rows)}`;
    const row = rows[0]!;
    for (const field of ['open', 'high', 'low', 'close', 'volume', 'quote_volume'] as const) {
      if (!sameDecimal(row[field], bar[field]))
        return `${exchange} ${barKey(bar)} ${field}: ClickHouse ${row[field]} vs exchange ${bar[field]}`;
    }
    if (row.trade_count !== (bar.trade_count === null ? null : String(bar.trade_count)))
      return `${exchange} ${barKey(bar)} trade_count: ClickHouse ${row.trade_count} vs exchange ${bar.trade_count}`;
  }
  return undefined;
}

/**
 * Every bar the simulator closed for `exchange` is in ClickHouse exactly once after FINAL,
 * with the exact decimals the exchange sent, and nothing older than them that it never closed.
 * With `reportedGaps` (an exchange without history to backfill from), a bar may be absent instead,
 * but only if one of the gaps it returns covers it; every bar that is stored is still checked exact.
 * Returns the number of bars checked in ClickHouse.
 */
export async function assertClosedBarsInClickhouse(
  sim: SimControl,
  database: string,
  exchange: string,
  timeoutMs = 60_000,
  reportedGaps?: () => Promise<readonly KlineGap[]>,
): Promise<number> {
  const expected = await sim.closedBars(exchange);
  assert.ok(expected.length > 0, `the simulator closed bars on ${exchange}`);
  // An HTX bar closed by the clock during an outage is provisional until the exchange's own version
  // replaces it: wait for ClickHouse to converge, not merely for every bar to be present.
  let problem: string | undefined;
  let provisional: string | undefined;
  let due: readonly ClosedBar[] = expected;
  const stored = await waitFor(`every ${exchange} bar in ClickHouse, exact`, timeoutMs, async () => {
    const rows = await closedBarsInClickhouse(database, exchange);
    due = reportedGaps ? await unreported(exchange, expected, rows, reportedGaps) : expected;
    problem = firstMismatch(exchange, due, rows);
    if (problem?.includes(': ClickHouse ')) provisional ??= problem;
    return problem === undefined ? rows : undefined;
  }).catch((error: Error) => {
    throw new Error(`${error.message}; ${problem}`);
  });
  // Evidence for RELIABILITY.md: a value that was corrected after the bar was first stored.
  if (provisional) console.log(`CONVERGED after a provisional version: ${provisional}`);
  // Bars closed after the snapshot may already be stored; anything up to it must be one the exchange closed.
  const expectedKeys = new Set(expected.map(barKey));
  const lastPerStream = new Map<string, number>();
  for (const b of expected) {
    const stream = `${b.symbol}|${b.interval}`;
    lastPerStream.set(stream, Math.max(lastPerStream.get(stream) ?? 0, Number(b.open_time)));
  }
  const unexpected = stored.filter(
    (r) => Number(r.open_time) <= (lastPerStream.get(`${r.symbol}|${r.interval}`) ?? -1) && !expectedKeys.has(barKey(r)),
  );
  assert.deepEqual(unexpected.slice(0, 5), [], `ClickHouse holds no ${exchange} bar the exchange never closed`);
  return due.length;
}

/** The expected bars less those absent from ClickHouse and covered by a reported gap of `exchange`. */
async function unreported(
  exchange: string,
  expected: readonly ClosedBar[],
  stored: readonly StoredBar[],
  reportedGaps: () => Promise<readonly KlineGap[]>,
): Promise<readonly ClosedBar[]> {
  const present = new Set(stored.map(barKey));
  if (expected.every((b) => present.has(barKey(b)))) return expected;
  const gaps = (await reportedGaps()).filter((g) => g.exchange === exchange);
  const covered = (b: ClosedBar) =>
    gaps.some(
      (g) => g.symbol === b.symbol && g.interval === b.interval && g.from_open_time <= b.open_time && b.open_time <= g.to_open_time,
    );
  return expected.filter((b) => present.has(barKey(b)) || !covered(b));
}

/** Reads `kline:<exchange>:<symbol>:<interval>` hashes; each must hold a valid latest StandardKline. */
export async function latestKlines(
  redis: Redis,
  prefix: string,
  exchange: string,
  symbols: readonly string[],
  intervals: readonly string[],
) {
  const pipeline = redis.pipeline();
  for (const symbol of symbols) for (const interval of intervals) pipeline.hgetall(`${prefix}kline:${exchange}:${symbol}:${interval}`);
  const hashes = (await pipeline.exec())!.map(([, v]) => v as Record<string, string>);
  return hashes.map((hash, i) => {
    const latest = JSON.parse(hash.latest ?? 'null') as StandardKline;
    assert.ok(validateStandardKline(latest), `${exchange} stream #${i} has a latest StandardKline in Redis: ${hash.latest}`);
    assert.equal(latest.exchange, exchange);
    const closed = hash.closed ? (JSON.parse(hash.closed) as StandardKline) : undefined;
    if (closed) assert.equal(closed.is_closed, true, `${exchange} closed field holds a closed bar`);
    return { latest, closed };
  });
}

/**
 * Base and quote volume mean the same thing on every exchange: quote / base is an average
 * price, so it must lie within the bar's [low, high]. Swapped volumes fail this.
 */
export function assertVolumesAreBaseAndQuote(kline: StandardKline): void {
  const base = new Big(kline.volume);
  if (base.eq(0)) return;
  const vwap = new Big(kline.quote_volume).div(base);
  assert.ok(
    vwap.gte(new Big(kline.low).times(0.999)) && vwap.lte(new Big(kline.high).times(1.001)),
    `${kline.exchange} ${kline.symbol} ${kline.interval}: quote/base = ${vwap.toFixed(8)} lies in [${kline.low}, ${kline.high}]`,
  );
}
