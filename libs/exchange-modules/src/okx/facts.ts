import type { ExchangeFacts } from '@klineflow/exchanges';

/** OKX v5 (docs/PROTOCOLS.md). */
export const okxFacts: ExchangeFacts = {
  endpoints: { url: 'wss://ws.okx.com:8443/ws/v5/public', apiUrl: 'wss://ws.okx.com:8443/ws/v5/business' },
  limits: {
    maxStreamsPerConnection: 480,
    maxClientMessagesPerSecond: 3,
    maxSubscribeRequestBytes: 65_536,
    maxStreamsPerSubscribe: 480,
    hasWebSocketHistory: false,
    connectAttempts: { count: 3, perMs: 1000 },
    // 3 connection attempts per second per IP: a connect every 350 ms stays under it.
    connectSpacingMs: 350,
  },
  // 1d uses the UTC-aligned channel (candle1D opens at 16:00 UTC).
  intervals: { '1m': 'candle1m', '5m': 'candle5m', '15m': 'candle15m', '1h': 'candle1H', '4h': 'candle4H', '1d': 'candle1Dutc' },
  nativeSymbol: (s) => `${s.base}-${s.quote}`,
  canonicalSymbol: (native) => native.replace('-', '').toUpperCase(),
};
