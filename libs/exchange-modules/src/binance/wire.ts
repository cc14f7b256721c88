/*
 * Binance spot wire shapes (docs/PROTOCOLS.md), shared by the mapper and the simulator's protocol
 * server (apps/exchange-sim/src/binance/). Decimals are strings; times are ms numbers.
 */

/** Kline body: `t` open time, `i` interval, `v` base and `q` quote volume, `n` trades, `x` closed. */
export interface BinanceKline {
  t: number;
  T: number;
  s: string;
  i: string;
  f: number;
  L: number;
  o: string;
  c: string;
  h: string;
  l: string;
  v: string;
  n: number;
  x: boolean;
  q: string;
  V: string;
  Q: string;
  B: string;
}

/** `<sym>@kline_<i>`: `E` is the event time that orders updates. */
export interface BinanceKlineEvent {
  e: 'kline';
  E: number;
  s: string;
  k: BinanceKline;
}

/** `<sym>@ticker`. */
export interface BinanceTickerEvent {
  e: '24hrTicker';
  E: number;
  s: string;
  p: string;
  P: string;
  w: string;
  x: string;
  c: string;
  Q: string;
  b: string;
  B: string;
  a: string;
  A: string;
  o: string;
  h: string;
  l: string;
  v: string;
  q: string;
  O: number;
  C: number;
  F: number;
  L: number;
  n: number;
}

/** `<sym>@depth20@100ms`: no event type, symbol or time; the stream name has the symbol. */
export interface BinanceDepthSnapshot {
  lastUpdateId: number;
  bids: [string, string][];
  asks: [string, string][];
}

/** `<sym>@trade`. */
export interface BinanceTradeEvent {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
  M: boolean;
}

/** Notice before the server closes the connection. */
export interface BinanceServerShutdown {
  e: 'serverShutdown';
  E: number;
}

/** A `/stream` connection wraps every event with its stream name. */
export interface BinanceCombinedEvent {
  stream: string;
  data: unknown;
}

/** Reply to SUBSCRIBE, UNSUBSCRIBE (`result: null`) and LIST_SUBSCRIPTIONS, or an error, with the request's id. */
export interface BinanceStreamReply {
  result?: null | string[];
  error?: { code: number; msg: string };
  /** The request's id, echoed as sent (null when the request had none or was not JSON). */
  id: unknown;
}

/** WS-API `klines` row: [openTime, o, h, l, c, baseVol, closeTime, quoteVol, trades, takerBase, takerQuote, ignore]. */
export type BinanceKlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

/** WS-API response: `result` on status 200, `error` otherwise; 418 and 429 carry a retry time in `data`. */
export interface BinanceApiResponse {
  /** The request's id, echoed as sent. */
  id: unknown;
  status: number;
  result?: BinanceKlineRow[];
  error?: { code: number; msg: string; data?: unknown };
  rateLimits?: unknown[];
}
