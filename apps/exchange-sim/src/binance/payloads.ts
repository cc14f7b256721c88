import type { Bar, Level, MarketProfile, Spot } from '../market/generator.js';
import { fixedText } from '../market/decimal.js';
import type { BarText } from '../recorder.js';
import type { LiveMarket } from '../subscription.js';

/** Binance writes every price and quantity with 8 decimals ("0.01086000"). */
const DECIMALS = 8;
const price = (p: MarketProfile, ticks: number) => fixedText(ticks, p.priceDecimals, DECIMALS);
const size = (p: MarketProfile, units: number) => fixedText(units, p.volumeDecimals, DECIMALS);
const quote = (p: MarketProfile, units: bigint) => fixedText(units, p.volumeDecimals + p.priceDecimals, DECIMALS);

export function binanceBarText(bar: Bar, market: LiveMarket): BarText {
  const p = market.profile;
  return {
    open: price(p, bar.open), high: price(p, bar.high), low: price(p, bar.low), close: price(p, bar.close),
    volume: size(p, bar.volume), quote_volume: quote(p, bar.quoteVolume), trade_count: bar.trades,
  };
}

/** First trade id of a bar: deterministic, so a replayed bar carries the same ids. */
const firstTradeId = (bar: Bar) => Math.floor(bar.openTime / 1000);

export function klineEvent(market: LiveMarket, interval: string, bar: Bar, closeTime: number, now: number): string {
  const p = market.profile;
  const t = binanceBarText(bar, market);
  const symbol = market.symbol.canonical;
  const first = firstTradeId(bar);
  return `{"e":"kline","E":${now},"s":"${symbol}","k":{"t":${bar.openTime},"T":${closeTime},"s":"${symbol}","i":"${interval}",` +
    `"f":${first},"L":${first + bar.trades - 1},"o":"${t.open}","c":"${t.close}","h":"${t.high}","l":"${t.low}","v":"${t.volume}",` +
    `"n":${bar.trades},"x":${now > closeTime},"q":"${t.quote_volume}","V":"${size(p, bar.takerVolume)}","Q":"${quote(p, bar.takerQuoteVolume)}","B":"0"}}`;
}

/** One kline row of the WS-API: [openTime,"o","h","l","c","v",closeTime,"q",n,"V","Q","0"]. */
export function klineRow(market: LiveMarket, bar: Bar, closeTime: number): string {
  const p = market.profile;
  const t = binanceBarText(bar, market);
  return `[${bar.openTime},"${t.open}","${t.high}","${t.low}","${t.close}","${t.volume}",${closeTime},"${t.quote_volume}",${bar.trades},` +
    `"${size(p, bar.takerVolume)}","${quote(p, bar.takerQuoteVolume)}","0"]`;
}

export function tickerEvent(market: LiveMarket, s: Spot, firstTradeIdOfDay: number): string {
  const p = market.profile;
  const symbol = market.symbol.canonical;
  const percent = (((s.last - s.open24h) / s.open24h) * 100).toFixed(3);
  const weighted = Math.floor((s.high24h + s.low24h) / 2);
  return `{"e":"24hrTicker","E":${s.time},"s":"${symbol}","p":"${price(p, s.last - s.open24h)}","P":"${percent}","w":"${price(p, weighted)}",` +
    `"x":"${price(p, s.open24h)}","c":"${price(p, s.last)}","Q":"${size(p, s.lastSize)}","b":"${price(p, s.bid)}","B":"${size(p, s.bidSize)}",` +
    `"a":"${price(p, s.ask)}","A":"${size(p, s.askSize)}","o":"${price(p, s.open24h)}","h":"${price(p, s.high24h)}","l":"${price(p, s.low24h)}",` +
    `"v":"${size(p, s.volume24h)}","q":"${quote(p, s.quoteVolume24h)}","O":${s.time - 86_400_000},"C":${s.time},` +
    `"F":${firstTradeIdOfDay},"L":${firstTradeIdOfDay + s.trades24h - 1},"n":${s.trades24h}}`;
}

export function depthSnapshot(market: LiveMarket, lastUpdateId: number, book: { bids: Level[]; asks: Level[] }): string {
  const p = market.profile;
  const side = (levels: Level[]) => levels.map((l) => `["${price(p, l.price)}","${size(p, l.size)}"]`).join(',');
  return `{"lastUpdateId":${lastUpdateId},"bids":[${side(book.bids)}],"asks":[${side(book.asks)}]}`;
}

export function tradeEvent(market: LiveMarket, s: Spot, tradeId: number, buyerIsMaker: boolean): string {
  const p = market.profile;
  return `{"e":"trade","E":${s.time},"s":"${market.symbol.canonical}","t":${tradeId},"p":"${price(p, s.last)}","q":"${size(p, s.lastSize)}",` +
    `"T":${s.time},"m":${buyerIsMaker},"M":true}`;
}
