import type { ExchangeId, Interval } from '@klineflow/exchanges';
import { EXCHANGE_IDS } from '@klineflow/exchanges';

export const TOPICS = {
  klines: 'kline-data',
  tickers: 'ticker-data',
  depth: 'depth-data',
  trades: 'trade-data',
  klineGaps: 'kline-gaps',
  backfillRequests: 'backfill-requests',
  deadLetter: 'dead-letter',
  /** Compacted: the normalizer's per-stream integrity state, so a restart neither invents nor forgets gaps. */
  normalizerState: 'normalizer-state',
} as const;

export function rawTopic(exchange: ExchangeId): string {
  return `raw.${exchange}`;
}

export const RAW_TOPICS = EXCHANGE_IDS.map(rawTopic);

export interface TopicSpec {
  readonly topic: string;
  readonly compacted?: boolean;
}

export const ALL_TOPICS: readonly TopicSpec[] = [
  ...RAW_TOPICS.map((topic) => ({ topic })),
  { topic: TOPICS.klines },
  { topic: TOPICS.tickers },
  { topic: TOPICS.depth },
  { topic: TOPICS.trades },
  { topic: TOPICS.klineGaps },
  { topic: TOPICS.backfillRequests },
  { topic: TOPICS.deadLetter },
  { topic: TOPICS.normalizerState, compacted: true },
];

export type RawFrameKind = 'live' | 'backfill';

/**
 * Headers of every raw frame (`raw.<exchange>`). Values are strings on the wire. A type, not an
 * interface, so it is a kafkajs `IHeaders`. Build them with `liveFrameHeaders` / `backfillFrameHeaders`.
 */
export type RawFrameHeaders = {
  exchange: ExchangeId;
  conn_id: string;
  /** ms epoch taken as the frame arrived. */
  recv_ts: string;
  kind: RawFrameKind;
  /**
   * Backfill frames only: the canonical symbol and interval asked for, and the window (ms epoch) the
   * request covered. A history reply need not name its stream, so the mapper learns it from these.
   */
  backfill_symbol?: string;
  backfill_interval?: Interval;
  backfill_start?: string;
  backfill_end?: string;
};

/**
 * Raw-frame headers as a consumer reads them: each may be missing or malformed (a frame produced by
 * hand or by an older ingest), so the reader checks every value it uses.
 */
export type ReceivedRawFrameHeaders = { readonly [K in keyof RawFrameHeaders]?: string };

/** The headers of a frame received on a live connection. */
export function liveFrameHeaders(exchange: ExchangeId, connId: string, recvTs: number): RawFrameHeaders {
  return { exchange, conn_id: connId, recv_ts: String(recvTs), kind: 'live' };
}

/** The window of one history request, as its reply's headers name it. */
export interface BackfillWindow {
  readonly symbol: string;
  readonly interval: Interval;
  readonly startMs: number;
  readonly endMs: number;
}

/** The headers of a history reply. */
export function backfillFrameHeaders(exchange: ExchangeId, recvTs: number, window: BackfillWindow): RawFrameHeaders {
  return {
    exchange,
    conn_id: `${exchange}-backfill`,
    recv_ts: String(recvTs),
    kind: 'backfill',
    backfill_symbol: window.symbol,
    backfill_interval: window.interval,
    backfill_start: String(window.startMs),
    backfill_end: String(window.endMs),
  };
}

/**
 * Headers of a standard record (`kline-data`, `ticker-data`, `depth-data`, `trade-data`). Values are
 * strings on the wire; the record JSON itself never carries them. A type, not an interface, so it is a
 * kafkajs `IHeaders`.
 */
export type StandardRecordHeaders = {
  /**
   * Arrival-ordered records only: the record's place in its stream, which breaks a tie of `event_time`
   * (a later `order` is a later update). Fixed width, so text order is numeric order: the offset of the
   * raw frame in its `raw.<exchange>` partition (every frame of a stream is keyed by it, so it is in one
   * partition, in arrival order) and the record's index within the frame. The same frame always gets
   * the same order, so a replay is recognised as one.
   */
  order?: string;
};

export const ORDER_HEADER = 'order' satisfies keyof StandardRecordHeaders;

const OFFSET_DIGITS = 19; // an int64 offset
const INDEX_DIGITS = 6;

/** The `order` header of the `index`-th record of the raw frame at `rawOffset`. */
export function arrivalOrder(rawOffset: string, index: number): string {
  return rawOffset.padStart(OFFSET_DIGITS, '0') + String(index).padStart(INDEX_DIGITS, '0');
}

export function klineKey(exchange: ExchangeId, symbol: string, interval: string): string {
  return `${exchange}:${symbol}:${interval}`;
}
