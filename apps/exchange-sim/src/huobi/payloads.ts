import type { HuobiDepthTick, HuobiKlineTick, HuobiPush, HuobiTickerTick, HuobiTrade, HuobiTradeTick } from '@klineflow/exchange-modules';
import type { Bar, Level, Spot } from '../market/generator.js';
import type { BarText } from '../recorder.js';
import type { LiveMarket } from '../subscription.js';
import { objectText, quoted, tupleText } from '../wire-text.js';
import { barText } from '../market/number-style.js';
import { amountLiteral, HUOBI_LITERALS, priceLiteral, quoteLiteral, tradeIdLiteral } from './literals.js';

/** `amount` is base volume, `vol` quote volume. */
export const huobiBarText = (bar: Bar, market: LiveMarket): BarText => barText(bar, market, HUOBI_LITERALS, true);

/** One kline object, as in pushes (`tick`) and history replies (`data[]`); `id` is the open time in seconds. */
export function klineTick(market: LiveMarket, bar: Bar): string {
  const t = huobiBarText(bar, market);
  return objectText<HuobiKlineTick>({
    id: `${bar.openTime / 1000}`,
    open: t.open,
    close: t.close,
    low: t.low,
    high: t.high,
    amount: t.volume,
    vol: t.quote_volume,
    count: `${bar.trades}`,
  });
}

export const push = (topic: string, now: number, tick: string) => objectText<HuobiPush>({ ch: quoted(topic), ts: `${now}`, tick });

export function tickerTick(market: LiveMarket, s: Spot): string {
  const p = market.profile;
  return objectText<HuobiTickerTick>({
    open: priceLiteral(p, s.open24h),
    high: priceLiteral(p, s.high24h),
    low: priceLiteral(p, s.low24h),
    close: priceLiteral(p, s.last),
    amount: amountLiteral(p, s.volume24h),
    vol: quoteLiteral(p, s.quoteVolume24h),
    count: `${s.trades24h}`,
    bid: priceLiteral(p, s.bid),
    bidSize: amountLiteral(p, s.bidSize),
    ask: priceLiteral(p, s.ask),
    askSize: amountLiteral(p, s.askSize),
    lastPrice: priceLiteral(p, s.last),
    lastSize: amountLiteral(p, s.lastSize),
  });
}

export function depthTick(market: LiveMarket, s: Spot, version: number, book: { bids: Level[]; asks: Level[] }): string {
  const p = market.profile;
  const side = (levels: Level[]) =>
    `[${levels.map((l) => tupleText<[string, string]>([priceLiteral(p, l.price), amountLiteral(p, l.size)])).join(',')}]`;
  return objectText<HuobiDepthTick>({ bids: side(book.bids), asks: side(book.asks), version: `${version}`, ts: `${s.time}` });
}

export function tradeTick(market: LiveMarket, s: Spot, sequence: number): string {
  const p = market.profile;
  const trade = objectText<HuobiTrade>({
    id: tradeIdLiteral(sequence),
    ts: `${s.time}`,
    tradeId: `${sequence}`,
    amount: amountLiteral(p, s.lastSize),
    price: priceLiteral(p, s.last),
    direction: s.last % 2 === 0 ? '"buy"' : '"sell"',
  });
  return objectText<HuobiTradeTick>({ id: `${sequence}`, ts: `${s.time}`, data: `[${trade}]` });
}
