import type { Interval } from './registry.js';
import type { MarketSymbol } from './symbols.js';

export interface ExchangeEndpoints {
  /** Market-data streams: Binance combined-stream base, OKX public, HTX /ws. */
  readonly url: string;
  /** Binance WS-API (backfill); OKX business endpoint (candles); HTX serves history on `url`. */
  readonly apiUrl: string;
}

export interface ExchangeLimits {
  /** Streams one connection may carry. */
  readonly maxStreamsPerConnection: number;
  /** Client messages per second per connection (all kinds count on Binance). */
  readonly maxClientMessagesPerSecond: number;
  /** Bytes of subscription arguments per request (OKX 64 KB). */
  readonly maxSubscribeRequestBytes: number;
  /** Streams per subscribe request. */
  readonly maxStreamsPerSubscribe: number;
  /** The exchange offers kline history over WebSocket. */
  readonly hasWebSocketHistory: boolean;
  /** Connection attempts allowed per IP in a window, where the exchange publishes a limit. */
  readonly connectAttempts?: { readonly count: number; readonly perMs: number };
  /** Spacing of the first connects of an ingest service at start-up, within `connectAttempts`. */
  readonly connectSpacingMs: number;
}

/**
 * What is known of one exchange without its protocol or mapper: endpoints, limits, interval names
 * and symbol spelling. Each exchange declares its own in libs/exchange-modules/src/<exchange>/facts.ts;
 * the config library reads them through the light entry `@klineflow/exchange-modules/facts`.
 */
export interface ExchangeFacts {
  readonly endpoints: ExchangeEndpoints;
  /** From docs/PROTOCOLS.md (our own choices are listed there too). */
  readonly limits: ExchangeLimits;
  /** Native interval names, from the table in docs/PROTOCOLS.md. */
  readonly intervals: Readonly<Record<Interval, string>>;
  /** Native spelling of a market. */
  nativeSymbol(symbol: MarketSymbol): string;
  /** Canonical form (BTCUSDT) of a native symbol as it appears in the exchange's frames. */
  canonicalSymbol(native: string): string;
}
