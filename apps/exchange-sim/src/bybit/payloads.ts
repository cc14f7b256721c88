import {
  topicOf,
  type BybitBook,
  type BybitKline,
  type BybitLevel,
  type BybitPush,
  type BybitTicker,
  type BybitTrade,
} from '@klineflow/exchange-modules';
import type { Bar, Level, Spot } from '../market/generator.js';
import { barText, SHORTEST_DECIMALS } from '../market/number-style.js';
import type { BarText } from '../recorder.js';
import type { LiveMarket } from '../subscription.js';

/** Bybit writes the shortest exact decimal ("16677", "2.081"). */
const { price, size, quote } = SHORTEST_DECIMALS;

/** `volume` is base, `turnover` quote; Bybit publishes no trade count. */
export const bybitBarText = (bar: Bar, market: LiveMarket): BarText => barText(bar, market, SHORTEST_DECIMALS, false);

export function klinePush(topic: string, interval: string, market: LiveMarket, bar: Bar, sizeMs: number, now: number): string {
  const t = bybitBarText(bar, market);
  const end = bar.openTime + sizeMs - 1;
  const kline: BybitKline = {
    start: bar.openTime,
    end,
    interval,
    open: t.open,
    close: t.close,
    high: t.high,
    low: t.low,
    volume: t.volume,
    turnover: t.quote_volume,
    confirm: now > end,
    timestamp: Math.min(now, end),
  };
  return JSON.stringify({ topic, data: [kline], ts: now, type: 'snapshot' } satisfies BybitPush<BybitKline[]>);
}

export function tickerPush(market: LiveMarket, s: Spot, crossSequence: number): string {
  const p = market.profile;
  const data: BybitTicker = {
    symbol: market.native,
    lastPrice: price(p, s.last),
    highPrice24h: price(p, s.high24h),
    lowPrice24h: price(p, s.low24h),
    prevPrice24h: price(p, s.open24h),
    volume24h: size(p, s.volume24h),
    turnover24h: quote(p, s.quoteVolume24h),
    price24hPcnt: ((s.last - s.open24h) / s.open24h).toFixed(4),
    usdIndexPrice: price(p, s.last),
  };
  return JSON.stringify({
    topic: topicOf('ticker', market.native),
    ts: s.time,
    type: 'snapshot',
    cs: crossSequence,
    data,
  } satisfies BybitPush<BybitTicker>);
}

/** The whole book as a snapshot push; `BybitServer` turns it into each connection's snapshot or delta. */
export function bookPush(
  market: LiveMarket,
  s: Spot,
  u: number,
  seq: number,
  book: { bids: Level[]; asks: Level[] },
): BybitPush<BybitBook> {
  const p = market.profile;
  const side = (levels: Level[]) => levels.map((l): BybitLevel => [price(p, l.price), size(p, l.size)]);
  return {
    topic: topicOf('depth', market.native),
    ts: s.time,
    type: 'snapshot',
    data: { s: market.native, b: side(book.bids), a: side(book.asks), u, seq },
    cts: s.time,
  };
}

export function tradePush(market: LiveMarket, s: Spot, tradeId: number): string {
  const p = market.profile;
  const trade: BybitTrade = {
    T: s.time,
    s: market.native,
    S: s.last % 2 === 0 ? 'Buy' : 'Sell',
    v: size(p, s.lastSize),
    p: price(p, s.last),
    i: String(tradeId),
    BT: false,
  };
  return JSON.stringify({ topic: topicOf('trade', market.native), type: 'snapshot', ts: s.time, data: [trade] } satisfies BybitPush<
    BybitTrade[]
  >);
}
