import { barOpenTime, INTERVAL_MS, type Interval } from '@klineflow/exchanges';

/** A bar series: its length, and where its bars start (OKX candle1D opens at 16:00 UTC). */
export interface Timeframe {
  /** Seeds the generator: two timeframes with different alignment have different bars. */
  readonly id: string;
  readonly interval: Interval;
  readonly sizeMs: number;
  readonly offsetMs: number;
  /** False for series that have no canonical interval (OKX candle1D): never recorded as closed bars. */
  readonly canonical: boolean;
}

export function timeframe(interval: Interval, offsetMs = 0): Timeframe {
  return {
    id: offsetMs === 0 ? interval : `${interval}+${offsetMs}`,
    interval,
    sizeMs: INTERVAL_MS[interval],
    offsetMs,
    canonical: offsetMs === 0,
  };
}

export function openOf(tf: Timeframe, timeMs: number): number {
  return barOpenTime(tf.interval, timeMs - tf.offsetMs) + tf.offsetMs;
}
