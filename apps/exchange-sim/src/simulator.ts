import { simulatorApiPortKey } from '@klineflow/config';
import { EXCHANGE_IDS, type ExchangeId } from '@klineflow/exchanges';
import { VirtualClock } from './clock.js';
import type { SimContext } from './context.js';
import { ControlApi } from './control-api.js';
import type { Endpoint } from './endpoint.js';
import { SIM_EXCHANGES } from './exchanges.js';
import { MarketGenerator } from './market/generator.js';
import { simPortName, type SimOptions, type SimPorts } from './options.js';
import { ClosedBarRecorder } from './recorder.js';
import type { StreamServer } from './stream-server.js';

/** Loop period: bar closes are pushed within this much real time of the virtual close. */
const TICK_MS = 25;

export interface ExchangeEndpoints {
  /** The market-data endpoint: subscriptions, data, and the data faults. */
  readonly streams: StreamServer<unknown>;
  /** The separate history endpoint, where the exchange has one (Binance's WS-API). */
  readonly api?: Endpoint<unknown>;
  /** Every endpoint of the exchange (with Binance's WS-API): connection faults apply to all. */
  readonly all: readonly Endpoint<unknown>[];
}

export type { SimPorts };

/** The whole simulator: one virtual clock and market, every exchange's protocol (exchanges.ts), one loop, the control API. */
export class Simulator {
  readonly ctx: SimContext;
  readonly exchanges: Record<ExchangeId, ExchangeEndpoints>;
  private readonly control: ControlApi;
  private timer?: NodeJS.Timeout;

  constructor(readonly options: SimOptions) {
    const market = new MarketGenerator();
    const recorders = Object.fromEntries(
      EXCHANGE_IDS.map((exchange) => [exchange, new ClosedBarRecorder(exchange, market, SIM_EXCHANGES[exchange].barText)]),
    ) as Record<ExchangeId, ClosedBarRecorder>;
    this.ctx = { options, clock: new VirtualClock(options.speed, options.virtualStart), market, recorders };
    this.exchanges = Object.fromEntries(
      EXCHANGE_IDS.map((exchange): [ExchangeId, ExchangeEndpoints] => {
        const { streams, api } = SIM_EXCHANGES[exchange].endpoints(this.ctx);
        return [exchange, api ? { streams, api, all: [streams, api] } : { streams, all: [streams] }];
      }),
    ) as Record<ExchangeId, ExchangeEndpoints>;
    this.control = new ControlApi(this);
  }

  async start(): Promise<SimPorts> {
    const { host, ports } = this.options;
    const listening: Partial<Record<keyof SimPorts, number>> = {};
    // One at a time, in the order of [simulator.ports]: each exchange's stream port, then its history port.
    for (const exchange of EXCHANGE_IDS) {
      const { streams, api } = this.exchanges[exchange];
      listening[exchange] = await streams.listen(host, ports[exchange]);
      if (!api) continue;
      const apiPort = simulatorApiPortKey(exchange);
      if (!apiPort) throw new Error(`${exchange} has a history endpoint but no [simulator.ports] ${exchange}_api port`);
      listening[simPortName(apiPort)] = await api.listen(host, ports[simPortName(apiPort)]);
    }
    listening.control = await this.control.listen(host, ports.control);
    this.timer = setInterval(() => this.tick(), Math.min(TICK_MS, this.options.updateIntervalMs));
    return listening as SimPorts;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...EXCHANGE_IDS.flatMap((e) => this.exchanges[e].all.map((endpoint) => endpoint.close())), this.control.close()]);
  }

  /** The one loop: every stream, keepalive and closed-bar record advances here, not on timers of its own. */
  private tick(): void {
    const realNow = Date.now();
    const now = this.ctx.clock.now();
    for (const exchange of EXCHANGE_IDS) {
      this.ctx.recorders[exchange].advance(now);
      for (const endpoint of this.exchanges[exchange].all) endpoint.tick(now, realNow);
    }
  }
}
