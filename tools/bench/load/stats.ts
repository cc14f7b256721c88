// Pure statistics of the load benchmark: exact percentiles of per-record samples, least-squares
// slopes of time series, and the flatness tests the report applies.

export interface Percentiles {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least p % of the samples at or below it. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // The epsilon keeps 99.9 % of 1,000 at rank 999 (0.999 × 1000 is 999.0000000000001 in floating point).
  const rank = Math.ceil((p / 100) * sorted.length - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Percentiles of samples, exact (sorted, not bucketed). `values` is sorted in place when it is a typed array copy. */
export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0)
    return { count: 0, min: Number.NaN, mean: Number.NaN, p50: Number.NaN, p99: Number.NaN, p999: Number.NaN, max: Number.NaN };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted[0]!,
    mean: sum / sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    p999: percentileOfSorted(sorted, 99.9),
    max: sorted[sorted.length - 1]!,
  };
}

/** Share (0..1) of samples at or below `limit`. */
export function shareAtOrBelow(values: ArrayLike<number>, limit: number): number {
  if (values.length === 0) return Number.NaN;
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! <= limit) n++;
  return n / values.length;
}

export interface Point {
  readonly t: number;
  readonly v: number;
}

/** Least-squares slope of v over t (units of v per unit of t); NaN with fewer than two distinct times. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  let st = 0;
  let sv = 0;
  for (const p of points) {
    st += p.t;
    sv += p.v;
  }
  const mt = st / n;
  const mv = sv / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Points with from <= t < to. */
export function between(points: readonly Point[], from: number, to: number): Point[] {
  return points.filter((p) => p.t >= from && p.t < to);
}

export interface Flatness {
  readonly first: number;
  readonly last: number;
  /** (last − first) / first, as a fraction. */
  readonly change: number;
  readonly flat: boolean;
}

/** RSS (or any level) flat within ±tolerance between the means over [start, start + span) and (end − span, end]. */
export function levelFlatness(points: readonly Point[], start: number, end: number, spanMs: number, tolerance = 0.1): Flatness {
  const first = mean(between(points, start, start + spanMs).map((p) => p.v));
  const last = mean(points.filter((p) => p.t > end - spanMs && p.t <= end).map((p) => p.v));
  const change = (last - first) / first;
  return { first, last, change, flat: Math.abs(change) <= tolerance };
}

export interface LagTrend {
  /** Least-squares growth over the second half of the window, messages per minute. */
  readonly slopePerMinute: number;
  readonly start: number;
  readonly end: number;
  readonly max: number;
  readonly mean: number;
  /** Growth over the second half smaller than one second of the group's input. */
  readonly flat: boolean;
}

/** Spread (max − min) of the points around their own least-squares line: the noise, without the trend. */
export function residualSpread(points: readonly Point[]): number {
  if (points.length < 2) return 0;
  const b = slope(points);
  if (Number.isNaN(b)) return 0;
  const mt = mean(points.map((p) => p.t));
  const mv = mean(points.map((p) => p.v));
  const residuals = points.map((p) => p.v - (mv + b * (p.t - mt)));
  return Math.max(...residuals) - Math.min(...residuals);
}

/**
 * Lag is flat when its least-squares growth over the second half of the window is smaller than
 * the larger of: one second of the group's input, the first half's spread around its own trend
 * line (a batching sink's lag is a saw-tooth that a short fit reads as growth), and 100 messages.
 */
export function lagTrend(points: readonly Point[], start: number, end: number, inputPerSecond: number): LagTrend {
  const window = between(points, start, end + 1);
  const firstHalf = between(points, start, start + (end - start) / 2);
  const half = between(points, start + (end - start) / 2, end + 1);
  const perMs = slope(half);
  const growth = Number.isNaN(perMs) ? 0 : (perMs * (end - start)) / 2;
  const values = window.map((p) => p.v);
  return {
    slopePerMinute: perMs * 60_000,
    start: window[0]?.v ?? Number.NaN,
    end: window[window.length - 1]?.v ?? Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: mean(values),
    flat: growth < Math.max(100, Number.isFinite(inputPerSecond) ? inputPerSecond : 0, residualSpread(firstHalf)),
  };
}

export interface Windowed {
  /** Window start, same unit as the points' t. */
  readonly t: number;
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** p50/p99/max of the points' values per window of `windowMs` over [from, to). */
export function windowed(points: readonly Point[], windowMs: number, from: number, to: number): Windowed[] {
  const n = Math.max(0, Math.ceil((to - from) / windowMs));
  const buckets: number[][] = Array.from({ length: n }, () => []);
  for (const p of points) {
    const i = Math.floor((p.t - from) / windowMs);
    if (i >= 0 && i < n) buckets[i]!.push(p.v);
  }
  return buckets.map((values, i) => {
    const s = percentiles(values);
    return { t: from + i * windowMs, count: s.count, p50: s.p50, p99: s.p99, max: s.max };
  });
}
