import type { ExchangeId } from '@klineflow/exchanges';

// Wire types of the simulator's control API, shared by the simulator and its clients.

/** Decimal text of a bar exactly as one exchange writes it. */
export interface BarText {
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly quote_volume: string;
  readonly trade_count: number | null;
}

export interface ClosedBar extends BarText {
  readonly symbol: string;
  readonly interval: string;
  readonly open_time: number;
}

export interface ExchangeState {
  /** Open connections on every endpoint of the exchange. */
  readonly connections: number;
  /** Subscribed streams over all market-data connections. */
  readonly streams: number;
  readonly messagesSent: number;
}

export interface SimState {
  readonly virtualNow: number;
  readonly speed: number;
  readonly exchanges: Record<ExchangeId, ExchangeState>;
}

/**
 * The symbol the hostile fault swaps into frames of a subscribed stream (`BTCUSDT` → `BTCGUSDT`):
 * nobody subscribed it, so no key, row or history request may ever name it.
 */
export function mangledSymbol(canonical: string): string {
  return `${canonical.slice(0, -4)}G${canonical.slice(-4)}`;
}

/** What one hostile round sent. */
export interface HostileResult {
  readonly exchange: string;
  readonly connections: number;
  readonly frames: number;
}
