import { barOpenTime, INTERVAL_MS, type ExchangeId } from '@klineflow/exchanges';
import type { BackfillRequest } from '@klineflow/schemas';
import type { StreamSpec } from '@klineflow/exchange-modules';

/** Bars asked for per stream after one outage: a day of 1m bars; the normalizer's gap check covers anything older. */
export const MAX_OUTAGE_BARS = 1440;

/**
 * Backfill requests for every bar that closed while a connection was down, from `start` (its last
 * frame) to `end` (data flowing again): per kline stream, the bars whose close fell in the window.
 * Asked at once, rather than when the normalizer next sees a close, so a quiet 1d stream is not
 * left with a hole until tomorrow.
 */
export function outageBackfillRequests(
  exchange: ExchangeId,
  streams: readonly StreamSpec[],
  start: number,
  end: number,
  now: number,
): BackfillRequest[] {
  const requests: BackfillRequest[] = [];
  // The ends are read from frames: a corrupt time must not become a request for every bar since 1970.
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return requests;
  for (const { channel, interval, symbol } of streams) {
    if (channel !== 'kline' || interval === undefined) continue;
    const lastClosed = barOpenTime(interval, end) - INTERVAL_MS[interval];
    const firstClosed = Math.max(barOpenTime(interval, start), lastClosed - (MAX_OUTAGE_BARS - 1) * INTERVAL_MS[interval]);
    if (lastClosed < firstClosed) continue;
    requests.push({
      exchange,
      symbol: symbol.canonical,
      interval,
      start_time: firstClosed,
      end_time: lastClosed,
      reason: 'outage',
      requested_at: now,
    });
  }
  return requests;
}

/** A moment seen locally, with the data frame received then (if any). */
export interface FrameMoment {
  readonly at: number;
  readonly text: string | undefined;
}

/**
 * The outage on the exchange's clock, from the exchange times of the last frame before it and the
 * first after it (bars are cut on that clock, which a simulator may even run faster). A frame
 * without a time borrows the other's offset from the local clock; with neither, the local clock stands in.
 */
export function outageOnExchangeClock(
  timeOf: ((text: string) => number | undefined) | undefined,
  lost: FrameMoment,
  resumed: FrameMoment,
): { start: number; end: number } {
  const start = lost.text === undefined ? undefined : timeOf?.(lost.text);
  const end = resumed.text === undefined ? undefined : timeOf?.(resumed.text);
  if (start !== undefined && end !== undefined) return { start, end };
  const offset = start !== undefined ? start - lost.at : end !== undefined ? end - resumed.at : 0;
  return { start: lost.at + offset, end: resumed.at + offset };
}
