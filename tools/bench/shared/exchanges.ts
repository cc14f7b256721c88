import type { ExchangeId } from '@klineflow/exchanges';

/**
 * The exchanges the benchmarks run by default. Their seed scale is three exchanges (Binance, OKX, HTX),
 * and every result in BENCHMARKS.md was measured at it: Bybit, the fourth, is left out so that runs
 * stay comparable (a drain run may still name it in its exchanges).
 */
export const BENCH_EXCHANGES = ['binance', 'okx', 'huobi'] as const satisfies readonly ExchangeId[];
export type BenchExchange = (typeof BENCH_EXCHANGES)[number];

export function isBenchExchange(exchange: ExchangeId): exchange is BenchExchange {
  return (BENCH_EXCHANGES as readonly ExchangeId[]).includes(exchange);
}
