import type { StandardKline } from '@klineflow/schemas';

/** Both received in this one millisecond: the OKX mapper makes it their event_time and recv_time. */
export const SAME_MS = 1786538761000;

/**
 * What the OKX mapper makes of the candle1m push in docs/PROTOCOLS.md (close 64033.5, volume 2.16787395)
 * and of the next update of that bar (close 64038.2, volume 2.25101046; apps/normalizer/src/ordering.test.ts
 * maps both frames): two updates of one bar that only their arrival order tells apart.
 */
export const firstOkxUpdate = (symbol: string): StandardKline => ({
  exchange: 'okx',
  symbol,
  interval: '1m',
  open_time: 1786538760000,
  close_time: 1786538819999,
  open: '64040.2',
  high: '64040.2',
  low: '64025.7',
  close: '64033.5',
  volume: '2.16787395',
  quote_volume: '138825.265446816',
  trade_count: null,
  is_closed: false,
  event_time: SAME_MS,
  recv_time: SAME_MS,
});

export const secondOkxUpdate = (symbol: string): StandardKline => ({
  ...firstOkxUpdate(symbol),
  close: '64038.2',
  volume: '2.25101046',
  quote_volume: '144149.177901498',
});
