import type { BarText, ClosedBar } from '@klineflow/sim-control';
import type { ExchangeId } from '@klineflow/exchanges';
import type { Bar, MarketGenerator } from './market/generator.js';
import { openOf, type Timeframe } from './market/timeframe.js';
import type { LiveMarket } from './subscription.js';

export type { BarText, ClosedBar };
export type BarFormatter = (bar: Bar, market: LiveMarket) => BarText;

interface TrackedStream {
  readonly market: LiveMarket;
  readonly timeframe: Timeframe;
  nextOpen: number;
}

/**
 * Every bar of `exchange` that closed on the virtual clock after some client first subscribed to
 * its stream, whether or not anyone was connected at the close: what a complete consumer must hold.
 */
export class ClosedBarRecorder {
  private readonly tracked = new Map<string, TrackedStream>();
  private readonly closed: ClosedBar[] = [];

  constructor(
    readonly exchange: ExchangeId,
    private readonly market: MarketGenerator,
    private readonly format: BarFormatter,
  ) {}

  track(market: LiveMarket, timeframe: Timeframe, now: number): void {
    if (!timeframe.canonical) return;
    const key = `${market.symbol.canonical}|${timeframe.interval}`;
    if (!this.tracked.has(key)) this.tracked.set(key, { market, timeframe, nextOpen: openOf(timeframe, now) });
  }

  advance(now: number): void {
    for (const stream of this.tracked.values()) {
      const current = openOf(stream.timeframe, now);
      for (; stream.nextOpen < current; stream.nextOpen += stream.timeframe.sizeMs) {
        const bar = this.market.bar(stream.market.profile, stream.timeframe, stream.nextOpen);
        this.closed.push({
          symbol: stream.market.symbol.canonical,
          interval: stream.timeframe.interval,
          open_time: stream.nextOpen,
          ...this.format(bar, stream.market),
        });
      }
    }
  }

  bars(): readonly ClosedBar[] {
    return this.closed;
  }
}
