import type { ExchangeId } from './registry.js';

export interface ExchangeEndpoints {
  /** Market-data streams: Binance combined-stream base, OKX public, HTX /ws. */
  readonly url: string;
  /** Binance WS-API (backfill); OKX business endpoint (candles); HTX serves history on `url`. */
  readonly apiUrl: string;
}

export const DEFAULT_ENDPOINTS: Record<ExchangeId, ExchangeEndpoints> = {
  binance: { url: 'wss://stream.binance.com:9443', apiUrl: 'wss://ws-api.binance.com:443/ws-api/v3' },
  okx: { url: 'wss://ws.okx.com:8443/ws/v5/public', apiUrl: 'wss://ws.okx.com:8443/ws/v5/business' },
  huobi: { url: 'wss://api.huobi.pro/ws', apiUrl: 'wss://api.huobi.pro/ws' },
};

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
}

/** From docs/PROTOCOLS.md (our own choices are listed there too). HTX publishes no per-connection topic cap; 100 keeps reconnect storms small. */
export const EXCHANGE_LIMITS: Record<ExchangeId, ExchangeLimits> = {
  binance: { maxStreamsPerConnection: 1024, maxClientMessagesPerSecond: 5, maxSubscribeRequestBytes: 65_536, maxStreamsPerSubscribe: 200, hasWebSocketHistory: true, connectAttempts: { count: 300, perMs: 300_000 } },
  okx: { maxStreamsPerConnection: 480, maxClientMessagesPerSecond: 3, maxSubscribeRequestBytes: 65_536, maxStreamsPerSubscribe: 480, hasWebSocketHistory: false, connectAttempts: { count: 3, perMs: 1000 } },
  huobi: { maxStreamsPerConnection: 100, maxClientMessagesPerSecond: 10, maxSubscribeRequestBytes: 65_536, maxStreamsPerSubscribe: 1, hasWebSocketHistory: true },
};
