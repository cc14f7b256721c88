// The light entry point `@klineflow/exchange-modules/facts`: every exchange's facts (endpoints, limits,
// interval and symbol spelling) without its protocol or mapper, for the libraries below this one (config).
import {
  EXCHANGE_IDS,
  INTERVALS,
  type ExchangeFacts,
  type ExchangeId,
  type Interval,
  type MarketSymbol,
  type ResolvedSymbol,
} from '@klineflow/exchanges';
import { binanceFacts } from './binance/facts.js';
import { bybitFacts } from './bybit/facts.js';
import { huobiFacts } from './huobi/facts.js';
import { okxFacts } from './okx/facts.js';

/** One entry per exchange: adding an exchange id without its facts is a compile error. */
export const EXCHANGE_FACTS: Record<ExchangeId, ExchangeFacts> = {
  binance: binanceFacts,
  okx: okxFacts,
  huobi: huobiFacts,
  bybit: bybitFacts,
};

const FROM_NATIVE_INTERVAL = Object.fromEntries(
  EXCHANGE_IDS.map((exchange) => [
    exchange,
    new Map(INTERVALS.map((interval) => [EXCHANGE_FACTS[exchange].intervals[interval], interval])),
  ]),
) as Record<ExchangeId, Map<string, Interval>>;

export function toNativeInterval(exchange: ExchangeId, interval: Interval): string {
  return EXCHANGE_FACTS[exchange].intervals[interval];
}

export function fromNativeInterval(exchange: ExchangeId, native: string): Interval | undefined {
  return FROM_NATIVE_INTERVAL[exchange].get(native);
}

/** A market with its spelling on `exchange`'s wire. */
export function resolveSymbol(exchange: ExchangeId, symbol: MarketSymbol): ResolvedSymbol {
  return { ...symbol, native: EXCHANGE_FACTS[exchange].nativeSymbol(symbol) };
}
