import type {
  BinanceDepthSnapshot,
  BinanceKline,
  BinanceKlineEvent,
  BinanceKlineRow,
  BinanceTickerEvent,
  BinanceTradeEvent,
} from '@klineflow/exchange-modules';
import type { Bar, Level, Spot } from '../market/generator.js';
import { barText, fixedDecimals } from '../market/number-style.js';
import type { BarText } from '../recorder.js';
import type { LiveMarket } from '../subscription.js';
import { objectText, quoted, tupleText } from '../wire-text.js';

/** Binance writes every price and quantity with 8 decimals ("0.01086000"). */
const BINANCE_DECIMALS = fixedDecimals(8);
const { price, size, quote } = BINANCE_DECIMALS;

export const binanceBarText = (bar: Bar, market: LiveMarket): BarText => barText(bar, market, BINANCE_DECIMALS, true);

/** First trade id of a bar: deterministic, so a replayed bar carries the same ids. */
const firstTradeId = (bar: Bar) => Math.floor(bar.openTime / 1000);

export function klineEvent(market: LiveMarket, interval: string, bar: Bar, closeTime: number, now: number): string {
  const p = market.profile;
  const t = binanceBarText(bar, market);
  const symbol = quoted(market.symbol.canonical);
  const first = firstTradeId(bar);
  const k = objectText<BinanceKline>({
    t: `${bar.openTime}`,
    T: `${closeTime}`,
    s: symbol,
    i: quoted(interval),
    f: `${first}`,
    L: `${first + bar.trades - 1}`,
    o: quoted(t.open),
    c: quoted(t.close),
    h: quoted(t.high),
    l: quoted(t.low),
    v: quoted(t.volume),
    n: `${bar.trades}`,
    x: `${now > closeTime}`,
    q: quoted(t.quote_volume),
    V: quoted(size(p, bar.takerVolume)),
    Q: quoted(quote(p, bar.takerQuoteVolume)),
    B: '"0"',
  });
  return objectText<BinanceKlineEvent>({ e: '"kline"', E: `${now}`, s: symbol, k });
}

/** One kline row of the WS-API: [openTime,"o","h","l","c","v",closeTime,"q",n,"V","Q","0"]. */
export function klineRow(market: LiveMarket, bar: Bar, closeTime: number): string {
  const p = market.profile;
  const t = binanceBarText(bar, market);
  return tupleText<BinanceKlineRow>([
    `${bar.openTime}`,
    quoted(t.open),
    quoted(t.high),
    quoted(t.low),
    quoted(t.close),
    quoted(t.volume),
    `${closeTime}`,
    quoted(t.quote_volume),
    `${bar.trades}`,
    quoted(size(p, bar.takerVolume)),
    quoted(quote(p, bar.takerQuoteVolume)),
    '"0"',
  ]);
}

export function tickerEvent(market: LiveMarket, s: Spot, firstTradeIdOfDay: number): string {
  const p = market.profile;
  const px = (ticks: number) => quoted(price(p, ticks));
  const sz = (units: number) => quoted(size(p, units));
  const percent = (((s.last - s.open24h) / s.open24h) * 100).toFixed(3);
  const weighted = Math.floor((s.high24h + s.low24h) / 2);
  return objectText<BinanceTickerEvent>({
    e: '"24hrTicker"',
    E: `${s.time}`,
    s: quoted(market.symbol.canonical),
    p: px(s.last - s.open24h),
    P: quoted(percent),
    w: px(weighted),
    x: px(s.open24h),
    c: px(s.last),
    Q: sz(s.lastSize),
    b: px(s.bid),
    B: sz(s.bidSize),
    a: px(s.ask),
    A: sz(s.askSize),
    o: px(s.open24h),
    h: px(s.high24h),
    l: px(s.low24h),
    v: sz(s.volume24h),
    q: quoted(quote(p, s.quoteVolume24h)),
    O: `${s.time - 86_400_000}`,
    C: `${s.time}`,
    F: `${firstTradeIdOfDay}`,
    L: `${firstTradeIdOfDay + s.trades24h - 1}`,
    n: `${s.trades24h}`,
  });
}

export function depthSnapshot(market: LiveMarket, lastUpdateId: number, book: { bids: Level[]; asks: Level[] }): string {
  const p = market.profile;
  const side = (levels: Level[]) =>
    `[${levels.map((l) => tupleText<[string, string]>([quoted(price(p, l.price)), quoted(size(p, l.size))])).join(',')}]`;
  return objectText<BinanceDepthSnapshot>({ lastUpdateId: `${lastUpdateId}`, bids: side(book.bids), asks: side(book.asks) });
}

export function tradeEvent(market: LiveMarket, s: Spot, tradeId: number, buyerIsMaker: boolean): string {
  const p = market.profile;
  return objectText<BinanceTradeEvent>({
    e: '"trade"',
    E: `${s.time}`,
    s: quoted(market.symbol.canonical),
    t: `${tradeId}`,
    p: quoted(price(p, s.last)),
    q: quoted(size(p, s.lastSize)),
    T: `${s.time}`,
    m: `${buyerIsMaker}`,
    M: 'true',
  });
}
