export const CHANNELS = ['kline', 'ticker', 'depth', 'trade'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * How the updates of a stream are ordered. `event_time`: by the exchange's own time (Binance `E`, HTX
 * `ts`, OKX ticker/book/trade `ts`); two updates with the same time are the same event, delivered twice.
 * `arrival`: the frame carries no exchange time (OKX candles, Binance depth20), so `event_time` is the
 * receive time in ms and two distinct updates can share it; the order they arrived in decides.
 */
export type Ordering = 'event_time' | 'arrival';
