import type { ExchangeFacts } from '@klineflow/exchanges';

/** Binance spot (docs/PROTOCOLS.md). */
export const binanceFacts: ExchangeFacts = {
  endpoints: { url: 'wss://stream.binance.com:9443', apiUrl: 'wss://ws-api.binance.com:443/ws-api/v3' },
  limits: {
    maxStreamsPerConnection: 1024,
    maxClientMessagesPerSecond: 5,
    maxSubscribeRequestBytes: 65_536,
    maxStreamsPerSubscribe: 200,
    hasWebSocketHistory: true,
    connectAttempts: { count: 300, perMs: 300_000 },
    // Our choice: the OKX spacing, which keeps a start-up burst well inside 300 attempts per 5 minutes.
    connectSpacingMs: 350,
  },
  intervals: { '1m': '1m', '5m': '5m', '15m': '15m', '1h': '1h', '4h': '4h', '1d': '1d' },
  nativeSymbol: (s) => s.canonical.toLowerCase(),
  canonicalSymbol: (native) => native.toUpperCase(),
};
