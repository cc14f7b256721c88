import type { ExchangeFacts } from '@klineflow/exchanges';

/** HTX (Huobi) (docs/PROTOCOLS.md). */
export const huobiFacts: ExchangeFacts = {
  endpoints: { url: 'wss://api.huobi.pro/ws', apiUrl: 'wss://api.huobi.pro/ws' },
  limits: {
    // HTX publishes no per-connection topic cap; 100 keeps reconnect storms small.
    maxStreamsPerConnection: 100,
    maxClientMessagesPerSecond: 10,
    maxSubscribeRequestBytes: 65_536,
    maxStreamsPerSubscribe: 1,
    hasWebSocketHistory: true,
    // Our choice: no published connect limit; the OKX spacing keeps start-up bursts small.
    connectSpacingMs: 350,
  },
  intervals: { '1m': '1min', '5m': '5min', '15m': '15min', '1h': '60min', '4h': '4hour', '1d': '1day' },
  nativeSymbol: (s) => s.canonical.toLowerCase(),
  canonicalSymbol: (native) => native.toUpperCase(),
};
