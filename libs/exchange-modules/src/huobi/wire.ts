/*
 * HTX (Huobi) wire shapes (docs/PROTOCOLS.md), shared by the mapper, the protocol's classifier and the
 * simulator's protocol server (apps/exchange-sim/src/huobi/). HTX writes numbers as JSON number
 * literals (10050.00, 9.2E-7, 27-digit trade ids); the mapper parses them keeping each literal's
 * source text, so every numeric field is that text here.
 */

/** One kline, in pushes (`tick`) and history replies (`data[]`): `id` is the open time in seconds, `amount` base and `vol` quote volume. */
export interface HuobiKlineTick {
  id: string;
  open: string;
  close: string;
  low: string;
  high: string;
  amount: string;
  vol: string;
  count: string;
}

/** `market.<sym>.ticker`. */
export interface HuobiTickerTick {
  open: string;
  high: string;
  low: string;
  close: string;
  amount: string;
  vol: string;
  count: string;
  bid: string;
  bidSize: string;
  ask: string;
  askSize: string;
  lastPrice: string;
  lastSize: string;
}

/** `market.<sym>.depth.step0`: [price, amount] levels, best first. */
export interface HuobiDepthTick {
  bids: [string, string][];
  asks: [string, string][];
  version: string;
  ts: string;
}

export interface HuobiTrade {
  id: string;
  ts: string;
  tradeId: string;
  amount: string;
  price: string;
  direction: 'buy' | 'sell';
}

/** `market.<sym>.trade.detail`. */
export interface HuobiTradeTick {
  id: string;
  ts: string;
  data: HuobiTrade[];
}

/** A push on a subscribed topic (`ch`); `ts` is the exchange time that orders updates. */
export interface HuobiPush {
  ch: string;
  ts: string;
  tick: unknown;
}

/** Reply to a `req` (kline history): the bars in `data`, oldest first. */
export interface HuobiHistoryReply {
  id?: string;
  rep: string;
  status: 'ok';
  data: HuobiKlineTick[];
}

/** Ack of a `sub` or `unsub`, or an error reply (also to a `req`). */
export interface HuobiReply {
  id?: string;
  status: 'ok' | 'error';
  subbed?: string;
  unsubbed?: string;
  ts: string;
  'err-code'?: string;
  'err-msg'?: string;
}
