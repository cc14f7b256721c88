import type { ExchangeId } from '@klineflow/exchanges';
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

/** Headers of every raw frame (`raw.<exchange>`). Values are strings on the wire. */
export interface RawFrameHeaders {
  exchange: ExchangeId;
  conn_id: string;
  /** ms epoch taken as the frame arrived. */
  recv_ts: string;
  kind: 'live' | 'backfill';
}

export function klineKey(exchange: ExchangeId, symbol: string, interval: string): string {
  return `${exchange}:${symbol}:${interval}`;
}
