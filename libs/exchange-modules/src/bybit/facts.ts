import type { ExchangeFacts } from '@klineflow/exchanges';

/** Bybit v5 spot (docs/PROTOCOLS.md). */
export const bybitFacts: ExchangeFacts = {
  // Kline history is REST-only: there is no second WebSocket endpoint, so `apiUrl` is the stream URL.
  endpoints: { url: 'wss://stream.bybit.com/v5/public/spot', apiUrl: 'wss://stream.bybit.com/v5/public/spot' },
  limits: {
    // Spot takes at most 10 args a subscribe, and the args of one connection may total 21,000 characters.
    // 300 streams (our choice) stay far inside that at ~30 characters a topic; no client message rate is
    // published for public streams, so 10 a second is ours too.
    maxStreamsPerConnection: 300,
    maxClientMessagesPerSecond: 10,
    maxSubscribeRequestBytes: 21_000,
    maxStreamsPerSubscribe: 10,
    hasWebSocketHistory: false,
    connectAttempts: { count: 500, perMs: 300_000 },
    // Our choice: the OKX spacing, well inside 500 connections per 5 minutes.
    connectSpacingMs: 350,
  },
  intervals: { '1m': '1', '5m': '5', '15m': '15', '1h': '60', '4h': '240', '1d': 'D' },
  nativeSymbol: (s) => s.canonical,
  canonicalSymbol: (native) => native.toUpperCase(),
};
