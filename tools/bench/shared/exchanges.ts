import type { ExchangeId } from '@klineflow/exchanges';

/**
 * The exchanges the benchmarks run by default. Their seed scale is three exchanges (Binance, OKX, HTX),
 * and every result in BENCHMARKS.md was measured at it: Bybit, the fourth, is left out so that runs
 * stay comparable (a drain run may still name it in its exchanges).
 */
export const BENCH_EXCHANGES: readonly ExchangeId[] = ['binance', 'okx', 'huobi'];
