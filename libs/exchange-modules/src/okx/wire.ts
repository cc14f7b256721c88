/*
 * OKX v5 wire shapes (docs/PROTOCOLS.md), shared by the mapper, the protocol's classifier and the
 * simulator's protocol server (apps/exchange-sim/src/okx/). Every number is a string, timestamps are
 * string ms, except the book's `seqId`.
 */

/** The subscribed channel and instrument, echoed in every push and ack. */
export interface OkxArg {
  channel: string;
  instId: string;
}

/** A push: `data` holds rows of the channel's shape. */
export interface OkxPush<T> {
  arg: OkxArg;
  data: T[];
}

/** Candle row: [ts (open), o, h, l, c, vol (base), volCcy (quote), volCcyQuote, confirm ("1": closed)]. */
export type OkxCandleRow = [string, string, string, string, string, string, string, string, string];

/** `tickers`. */
export interface OkxTicker {
  instType: string;
  instId: string;
  last: string;
  lastSz: string;
  askPx: string;
  askSz: string;
  bidPx: string;
  bidSz: string;
  open24h: string;
  high24h: string;
  low24h: string;
  volCcy24h: string;
  vol24h: string;
  sodUtc0: string;
  sodUtc8: string;
  ts: string;
}

/** Book level: [price, size, deprecated "0", order count]. */
export type OkxLevel = [string, string, string, string];

/** `books5`. */
export interface OkxBook {
  asks: OkxLevel[];
  bids: OkxLevel[];
  instId: string;
  ts: string;
  seqId: number;
}

/** `trades`. */
export interface OkxTrade {
  instId: string;
  tradeId: string;
  px: string;
  sz: string;
  side: 'buy' | 'sell';
  ts: string;
  count: string;
}

/** Ack of a subscribe or unsubscribe (one per arg), an error, or a notice (`64008`: service upgrade, reconnect). */
export interface OkxEvent {
  id?: string;
  event: 'subscribe' | 'unsubscribe' | 'error' | 'notice';
  arg?: OkxArg;
  code?: string;
  msg?: string;
  connId: string;
}
