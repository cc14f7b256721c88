/**
 * A tiny benchmark harness. Every `tools/bench/*.bench.ts` exports `cases: BenchCase[]`;
 * each case is timed next to its baseline in the same run, so machine load affects both.
 */
export interface Timed {
  readonly name: string;
  /** One call performs `opsPerCall` operations (e.g. a batch of 1000 frames). */
  readonly fn: () => unknown;
  readonly opsPerCall?: number;
}

export interface BenchCase extends Timed {
  readonly baseline: Timed;
}

export interface Measurement {
  readonly opsPerSecond: number;
  readonly nsPerOp: number;
}

// Results are kept so the optimiser cannot drop the work.
let sink: unknown;

export function measure(timed: Timed, budgetMs: number): Measurement {
  const ops = timed.opsPerCall ?? 1;
  const warmUntil = performance.now() + budgetMs / 5;
  while (performance.now() < warmUntil) sink = timed.fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < 64; i++) sink = timed.fn();
    calls += 64;
    elapsed = performance.now() - start;
  }
  const nsPerOp = (elapsed * 1e6) / (calls * ops);
  return { opsPerSecond: 1e9 / nsPerOp, nsPerOp };
}

export function lastResult(): unknown {
  return sink;
}
