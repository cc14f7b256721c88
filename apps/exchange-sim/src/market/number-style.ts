import type { BarText } from '../recorder.js';
import type { LiveMarket } from '../subscription.js';
import { fixedText, trimmedText } from './decimal.js';
import type { Bar, MarketProfile } from './generator.js';

/** How an exchange writes a market's prices (ticks), base sizes (units) and quote amounts (units × ticks). */
export interface NumberStyle {
  readonly price: (p: MarketProfile, ticks: number) => string;
  readonly size: (p: MarketProfile, units: number) => string;
  readonly quote: (p: MarketProfile, units: bigint) => string;
}

/** The shortest exact decimal ("64040.2", "16677"): OKX and Bybit. */
export const SHORTEST_DECIMALS: NumberStyle = {
  price: (p, ticks) => trimmedText(ticks, p.priceDecimals),
  size: (p, units) => trimmedText(units, p.volumeDecimals),
  quote: (p, units) => trimmedText(units, p.volumeDecimals + p.priceDecimals),
};

/** Every number with `decimals` decimals (Binance: 8, "0.01086000"). */
export function fixedDecimals(decimals: number): NumberStyle {
  return {
    price: (p, ticks) => fixedText(ticks, p.priceDecimals, decimals),
    size: (p, units) => fixedText(units, p.volumeDecimals, decimals),
    quote: (p, units) => fixedText(units, p.volumeDecimals + p.priceDecimals, decimals),
  };
}

/** A bar's prices and volumes as the exchange writes them; `trade_count` only where it publishes one. */
export function barText(bar: Bar, market: LiveMarket, style: NumberStyle, publishesTradeCount: boolean): BarText {
  const p = market.profile;
  return {
    open: style.price(p, bar.open),
    high: style.price(p, bar.high),
    low: style.price(p, bar.low),
    close: style.price(p, bar.close),
    volume: style.size(p, bar.volume),
    quote_volume: style.quote(p, bar.quoteVolume),
    trade_count: publishesTradeCount ? bar.trades : null,
  };
}
