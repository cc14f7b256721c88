import type { ExchangeId } from '@klineflow/exchanges';
import type { VirtualClock } from './clock.js';
import type { MarketGenerator } from './market/generator.js';
import type { SimOptions } from './options.js';
import type { ClosedBarRecorder } from './recorder.js';

/** The shared parts every protocol server reads: one clock, one market, one record per exchange. */
export interface SimContext {
  readonly options: SimOptions;
  readonly clock: VirtualClock;
  readonly market: MarketGenerator;
  readonly recorders: Record<ExchangeId, ClosedBarRecorder>;
}
