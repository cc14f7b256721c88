/**
 * The set of supported exchanges and intervals. Everything keyed by exchange is a
 * `Record<ExchangeId, …>`, so adding an exchange here without its folder in
 * libs/exchange-modules (facts, protocol, mapper) is a compile error where those records are declared.
 */
export const EXCHANGE_IDS = ['binance', 'okx', 'huobi', 'bybit'] as const;
export type ExchangeId = (typeof EXCHANGE_IDS)[number];

export const INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

export const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

export function isExchangeId(value: unknown): value is ExchangeId {
  return typeof value === 'string' && (EXCHANGE_IDS as readonly string[]).includes(value);
}

export function isInterval(value: unknown): value is Interval {
  return typeof value === 'string' && (INTERVALS as readonly string[]).includes(value);
}

/** Open time of the bar containing `timeMs`. */
export function barOpenTime(interval: Interval, timeMs: number): number {
  const size = INTERVAL_MS[interval];
  return timeMs - (((timeMs % size) + size) % size);
}

export function barCloseTime(interval: Interval, openTime: number): number {
  return openTime + INTERVAL_MS[interval] - 1;
}
