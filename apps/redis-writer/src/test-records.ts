// Records for the redis-writer's tests: one OKX ticker and one HTX book, varied per test by overrides.
import type { StandardDepth, StandardTicker } from '@klineflow/schemas';

export const okxTicker = (over: Partial<StandardTicker> = {}): StandardTicker => ({
  exchange: 'okx',
  symbol: 'ETHUSDT',
  last_price: '2000.5',
  last_quantity: '0.1',
  best_bid_price: '2000.4',
  best_bid_quantity: '1',
  best_ask_price: '2000.6',
  best_ask_quantity: '2',
  open_24h: '1990',
  high_24h: '2010',
  low_24h: '1980',
  volume_24h: '100',
  quote_volume_24h: '200000',
  trade_count_24h: null,
  event_time: 1_000,
  recv_time: 1_005,
  ...over,
});

export const huobiDepth = (over: Partial<StandardDepth> = {}): StandardDepth => ({
  exchange: 'huobi',
  symbol: 'BTCUSDT',
  bids: [['10050.00', '1.5']],
  asks: [['10051.00', '2']],
  update_id: '1000',
  event_time: 1_000,
  recv_time: 1_002,
  ...over,
});
