import type { SimContext } from './context.js';
import type { Endpoint } from './endpoint.js';
import type { BarFormatter } from './recorder.js';
import type { StreamServer } from './stream-server.js';

/** One exchange's part of the simulator, declared in its folder (`<exchange>/index.ts`) and listed in exchanges.ts. */
export interface SimExchange {
  /** The closed-bar record's text of a bar: its decimals as the exchange writes them. */
  readonly barText: BarFormatter;
  /**
   * The exchange's endpoints on the shared clock and market: the market-data server, on the exchange's
   * [simulator.ports] port, and, where the real exchange serves history from another host (Binance's
   * WS-API), that endpoint too, on the `<exchange>_api` port.
   */
  endpoints(ctx: SimContext): { readonly streams: StreamServer<unknown>; readonly api?: Endpoint<unknown> };
}
