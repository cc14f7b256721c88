import type { Bar, Level, MarketProfile, Spot } from '../market/generator.js';
import { trimmedText } from '../market/decimal.js';
import type { BarText } from '../recorder.js';
import type { LiveMarket } from '../subscription.js';

/** OKX writes the shortest exact decimal ("64040.2"). */
const price = (p: MarketProfile, ticks: number) => trimmedText(ticks, p.priceDecimals);
const size = (p: MarketProfile, units: number) => trimmedText(units, p.volumeDecimals);
const quote = (p: MarketProfile, units: bigint) => trimmedText(units, p.volumeDecimals + p.priceDecimals);

export function okxBarText(bar: Bar, market: LiveMarket): BarText {
  const p = market.profile;
  return {
    open: price(p, bar.open), high: price(p, bar.high), low: price(p, bar.low), close: price(p, bar.close),
    volume: size(p, bar.volume), quote_volume: quote(p, bar.quoteVolume), trade_count: null,
  };
}

const arg = (channel: string, instId: string) => `{"channel":"${channel}","instId":"${instId}"}`;

/** [ts, o, h, l, c, vol (base), volCcy (quote), volCcyQuote, confirm] */
export function candlePush(channel: string, market: LiveMarket, bar: Bar, closed: boolean): string {
  const t = okxBarText(bar, market);
  return `{"arg":${arg(channel, market.native)},"data":[["${bar.openTime}","${t.open}","${t.high}","${t.low}","${t.close}",` +
    `"${t.volume}","${t.quote_volume}","${t.quote_volume}","${closed ? 1 : 0}"]]}`;
}

export function tickerPush(market: LiveMarket, s: Spot): string {
  const p = market.profile;
  const open = price(p, s.open24h);
  return `{"arg":${arg('tickers', market.native)},"data":[{"instType":"SPOT","instId":"${market.native}","last":"${price(p, s.last)}",` +
    `"lastSz":"${size(p, s.lastSize)}","askPx":"${price(p, s.ask)}","askSz":"${size(p, s.askSize)}","bidPx":"${price(p, s.bid)}",` +
    `"bidSz":"${size(p, s.bidSize)}","open24h":"${open}","high24h":"${price(p, s.high24h)}","low24h":"${price(p, s.low24h)}",` +
    `"volCcy24h":"${quote(p, s.quoteVolume24h)}","vol24h":"${size(p, s.volume24h)}","sodUtc0":"${open}","sodUtc8":"${open}","ts":"${s.time}"}]}`;
}

export function books5Push(market: LiveMarket, s: Spot, seqId: number, book: { bids: Level[]; asks: Level[] }): string {
  const p = market.profile;
  const side = (levels: Level[]) => levels.map((l, i) => `["${price(p, l.price)}","${size(p, l.size)}","0","${1 + (i % 4)}"]`).join(',');
  return `{"arg":${arg('books5', market.native)},"data":[{"asks":[${side(book.asks)}],"bids":[${side(book.bids)}],` +
    `"instId":"${market.native}","ts":"${s.time}","seqId":${seqId}}]}`;
}

export function tradesPush(market: LiveMarket, s: Spot, tradeId: number): string {
  const p = market.profile;
  return `{"arg":${arg('trades', market.native)},"data":[{"instId":"${market.native}","tradeId":"${tradeId}","px":"${price(p, s.last)}",` +
    `"sz":"${size(p, s.lastSize)}","side":"${s.last % 2 === 0 ? 'buy' : 'sell'}","ts":"${s.time}","count":"1"}]}`;
}
