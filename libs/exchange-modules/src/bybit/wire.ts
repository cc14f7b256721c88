/*
 * Bybit v5 public spot wire shapes (docs/PROTOCOLS.md), shared by the mapper, the ingest's local book
 * and the simulator's protocol server (apps/exchange-sim/src/bybit/). Decimals are strings; times are
 * ms numbers.
 */

/** Every push: `ts` is when Bybit's system generated it. */
export interface BybitPush<T> {
  readonly topic: string;
  readonly ts: number;
  readonly type: 'snapshot' | 'delta';
  readonly data: T;
  /** Cross sequence (tickers). */
  readonly cs?: number;
  /** Matching-engine time (order book). */
  readonly cts?: number;
}

/** `kline.<interval>.<SYMBOL>`: `volume` is base, `turnover` quote; `confirm` true on the closed bar. */
export interface BybitKline {
  readonly start: number;
  readonly end: number;
  readonly interval: string;
  readonly open: string;
  readonly close: string;
  readonly high: string;
  readonly low: string;
  readonly volume: string;
  readonly turnover: string;
  readonly confirm: boolean;
  /** Time of the last trade in the bar. */
  readonly timestamp: number;
}

/** `tickers.<SYMBOL>` on spot: no best bid or ask, no last size, no trade count. */
export interface BybitTicker {
  readonly symbol: string;
  readonly lastPrice: string;
  readonly highPrice24h: string;
  readonly lowPrice24h: string;
  readonly prevPrice24h: string;
  readonly volume24h: string;
  readonly turnover24h: string;
  readonly price24hPcnt: string;
  readonly usdIndexPrice: string;
}

/** [price, size]; in a delta, size "0" deletes the level. */
export type BybitLevel = readonly [string, string];

/** `orderbook.<depth>.<SYMBOL>`: a snapshot (bids best first, asks best first), then deltas. */
export interface BybitBook {
  readonly s: string;
  readonly b: readonly BybitLevel[];
  readonly a: readonly BybitLevel[];
  /** Update id: consecutive within a topic; 1 is a fresh snapshot after a restart of Bybit's service. */
  readonly u: number;
  /** Cross sequence. */
  readonly seq: number;
}

/** `publicTrade.<SYMBOL>`: `S` is the taker's side. */
export interface BybitTrade {
  readonly T: number;
  readonly s: string;
  readonly S: 'Buy' | 'Sell';
  readonly v: string;
  readonly p: string;
  readonly i: string;
  readonly BT: boolean;
  readonly seq?: number;
}

/** The client's requests: subscribe, unsubscribe and the `ping` keepalive. */
export interface BybitRequest {
  readonly op: 'subscribe' | 'unsubscribe' | 'ping';
  readonly args?: readonly string[];
  readonly req_id?: string;
}

/** The server's answer to a request; the answer to `ping` has `ret_msg` "pong". */
export interface BybitReply {
  readonly success: boolean;
  readonly ret_msg: string;
  readonly conn_id: string;
  readonly req_id?: string;
  /** The request's `op`, echoed. */
  readonly op: string;
}

/** The order-book depth klineflow subscribes to: the smallest spot depth that holds a top 20. */
export const BOOK_DEPTH = 50;
/** Levels a side of the standard depth record. */
export const TOP_LEVELS = 20;

export const TOPIC_PREFIX = { kline: 'kline.', ticker: 'tickers.', depth: `orderbook.${BOOK_DEPTH}.`, trade: 'publicTrade.' } as const;

export type BybitChannel = keyof typeof TOPIC_PREFIX;

export interface BybitTopic {
  readonly channel: BybitChannel;
  readonly symbol: string;
  /** Native interval of a kline topic (`1`, `60`, `D`). */
  readonly interval?: string;
}

const TOPIC = /^(?:kline\.([0-9]+|[DWM])|(tickers)|orderbook\.(50)|(publicTrade))\.([A-Z0-9]+)$/;

/** Reads `kline.1.BTCUSDT`, `tickers.BTCUSDT`, `orderbook.50.BTCUSDT` or `publicTrade.BTCUSDT`. */
export function parseTopic(topic: string): BybitTopic | undefined {
  const match = TOPIC.exec(topic);
  if (!match) return undefined;
  const [, interval, ticker, book, , symbol] = match as unknown as (string | undefined)[];
  if (symbol === undefined) return undefined;
  if (interval !== undefined) return { channel: 'kline', symbol, interval };
  return { channel: ticker ? 'ticker' : book ? 'depth' : 'trade', symbol };
}

export function topicOf(channel: BybitChannel, symbol: string, interval?: string): string {
  return channel === 'kline' ? `${TOPIC_PREFIX.kline}${interval ?? '1'}.${symbol}` : `${TOPIC_PREFIX[channel]}${symbol}`;
}
