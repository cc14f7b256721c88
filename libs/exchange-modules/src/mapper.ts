import type { ExchangeId, Interval, Ordering } from '@klineflow/exchanges';
import type { StandardDepth, StandardKline, StandardTicker, StandardTrade } from '@klineflow/schemas';

/** Backfill headers of a raw frame: the stream whose history was requested (Binance replies do not name it). */
export interface BackfillContext {
  readonly symbol: string;
  readonly interval: Interval;
}

export interface FrameContext {
  /** recv_ts header: ms epoch at which ingest received the frame. */
  readonly recvTime: number;
  /** Present when the frame answers a backfill request. */
  readonly backfill?: BackfillContext;
  /** Current time on the exchange's clock (the simulator's clock may run fast or drift from ours). */
  exchangeNow(): number;
}

export type MappedRecord =
  | { readonly channel: 'kline'; readonly record: StandardKline }
  | { readonly channel: 'ticker'; readonly record: StandardTicker }
  | { readonly channel: 'depth'; readonly record: StandardDepth }
  | { readonly channel: 'trade'; readonly record: StandardTrade };

export type RecordChannel = MappedRecord['channel'];

export type RejectReason = 'unparseable' | 'unknown_channel' | 'malformed';

export type MapResult =
  | {
      readonly kind: 'records';
      readonly records: MappedRecord[];
      /** Exchange timestamp carried by the frame, which advances that exchange's clock. */
      readonly exchangeTime?: number;
    }
  /** Acks, pings, pongs, notices and error replies: skipped and counted, never dead-lettered. */
  | { readonly kind: 'control' }
  | { readonly kind: 'rejected'; readonly reason: RejectReason; readonly detail: string };

/**
 * How an exchange says a bar is final. `flagged`: its updates carry a closed flag (Binance `x`, OKX
 * `confirm`). `inferred`: they carry none, so the normalizer closes a bar with the values of its last
 * update when a later bar of the stream starts, or once its interval plus the close grace
 * (`integrity.inferred_close_grace_ms`) is over on the exchange clock, and then fetches the exchange's final
 * version where it can.
 */
export type BarClosing = 'flagged' | 'inferred';

/** Turns one exact exchange frame into standard records. Pure: no state, no I/O. */
export interface Mapper {
  readonly exchange: ExchangeId;
  readonly barClosing: BarClosing;
  /**
   * Where daily bars may also start at midnight of another time zone than UTC: its offset from UTC in ms
   * (east positive). Such bars are on the grid too, and continuity works on either.
   */
  readonly dailyBarUtcOffsetMs?: number;
  /** Whether its klines carry a trade count (OKX candles have none, so `trade_count` is null there). */
  readonly klineTradeCount: boolean;
  /**
   * How the updates of each channel are ordered (docs/PROTOCOLS.md, "Update order"): by the exchange's
   * own `event_time`, or, where the frame carries no exchange time, by arrival. The normalizer stamps
   * arrival-ordered records with an `order` header, and the stores keep the later of two updates that
   * share an `event_time`.
   */
  readonly ordering: Readonly<Record<RecordChannel, Ordering>>;
  map(raw: string, context: FrameContext): MapResult;
}

export const control: MapResult = { kind: 'control' };

export function rejected(reason: RejectReason, detail: string): MapResult {
  return { kind: 'rejected', reason, detail };
}

export function records(list: MappedRecord[], exchangeTime?: number): MapResult {
  return { kind: 'records', records: list, exchangeTime };
}

export function parseJson(raw: string, parse: (text: string) => unknown = JSON.parse): unknown {
  try {
    return parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Event time of a backfilled bar: the exchange's clock when the reply arrived. It is later than
 * every live update already seen (so the backfilled version wins in Redis and ClickHouse) even
 * where the exchange clock runs ahead of ours, as the simulator's sped-up clock does.
 */
export function backfillEventTime(context: FrameContext): number {
  return Math.max(context.recvTime, context.exchangeNow());
}
