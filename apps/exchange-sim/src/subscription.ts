import type { ExchangeId, MarketSymbol } from '@klineflow/exchanges';
import type { MarketProfile } from './market/generator.js';
import type { Timeframe } from './market/timeframe.js';

export type StreamChannel = 'kline' | 'ticker' | 'depth' | 'trade';

/** A market that delivers data; absent for unknown symbols, which are acknowledged but stay silent. */
export interface LiveMarket {
  readonly symbol: MarketSymbol;
  readonly native: string;
  readonly profile: MarketProfile;
}

export interface Subscription {
  /** The exchange's own name of the stream or topic (`btcusdt@kline_1m`, `market.btcusdt.kline.1min`, `candle1m:BTC-USDT`). */
  readonly key: string;
  readonly exchange: ExchangeId;
  readonly channel: StreamChannel;
  /** Native channel or interval name as the client wrote it (`1m`, `candle1H`, `60min`, `books5`). */
  readonly nativeChannel: string;
  readonly market?: LiveMarket;
  readonly timeframe?: Timeframe;
  /** Open time of the bar this subscription last saw; its close triggers the final push. */
  lastOpen?: number;
  /** Real time of this stream's next update push. */
  nextUpdateAt?: number;
}
