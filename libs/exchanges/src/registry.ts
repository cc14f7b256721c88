/**
 * The set of supported exchanges and intervals. Everything keyed by exchange is a
 * `Record<ExchangeId, …>`, so adding an exchange here without its interval table,
 * symbol format or mapper is a compile error wherever those records are declared.
 */
export const EXCHANGE_IDS = ['binance', 'okx', 'huobi'] as const;
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

/** Native interval names, from the table in docs/PROTOCOLS.md. OKX 1d uses the UTC-aligned channel. */
export const NATIVE_INTERVALS: Record<ExchangeId, Record<Interval, string>> = {
  binance: { '1m': '1m', '5m': '5m', '15m': '15m', '1h': '1h', '4h': '4h', '1d': '1d' },
  okx: { '1m': 'candle1m', '5m': 'candle5m', '15m': 'candle15m', '1h': 'candle1H', '4h': 'candle4H', '1d': 'candle1Dutc' },
  huobi: { '1m': '1min', '5m': '5min', '15m': '15min', '1h': '60min', '4h': '4hour', '1d': '1day' },
};

const FROM_NATIVE_INTERVAL = Object.fromEntries(
  EXCHANGE_IDS.map((exchange) => [
    exchange,
    new Map(INTERVALS.map((interval) => [NATIVE_INTERVALS[exchange][interval], interval])),
  ]),
) as Record<ExchangeId, Map<string, Interval>>;

export function toNativeInterval(exchange: ExchangeId, interval: Interval): string {
  return NATIVE_INTERVALS[exchange][interval];
}

export function fromNativeInterval(exchange: ExchangeId, native: string): Interval | undefined {
  return FROM_NATIVE_INTERVAL[exchange].get(native);
}

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
