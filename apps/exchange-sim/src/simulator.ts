import { EXCHANGE_IDS, type ExchangeId } from '@klineflow/exchanges';
import { BinanceStreamServer } from './binance/stream-server.js';
import { binanceBarText } from './binance/payloads.js';
import { BinanceApiServer } from './binance/ws-api.js';
import { bybitBarText } from './bybit/payloads.js';
import { BybitServer } from './bybit/server.js';
import { VirtualClock } from './clock.js';
import type { SimContext } from './context.js';
import { ControlApi } from './control-api.js';
import type { Endpoint } from './endpoint.js';
import { huobiBarText } from './huobi/payloads.js';
import { HuobiServer } from './huobi/server.js';
import { MarketGenerator } from './market/generator.js';
import { okxBarText } from './okx/payloads.js';
import { OkxServer } from './okx/server.js';
import type { SimOptions, SimPorts } from './options.js';
import { ClosedBarRecorder, type BarFormatter } from './recorder.js';
import type { StreamServer } from './stream-server.js';

/** Loop period: bar closes are pushed within this much real time of the virtual close. */
const TICK_MS = 25;

const BAR_TEXT: Record<ExchangeId, BarFormatter> = { binance: binanceBarText, okx: okxBarText, huobi: huobiBarText, bybit: bybitBarText };

export interface ExchangeEndpoints {
  /** The market-data endpoint: subscriptions, data, and the data faults. */
  readonly streams: StreamServer<unknown>;
  /** Every endpoint of the exchange (with Binance's WS-API): connection faults apply to all. */
  readonly all: readonly Endpoint<unknown>[];
}

export type { SimPorts };

/** The whole simulator: one virtual clock and market, four protocols, one loop, the control API. */
export class Simulator {
  readonly ctx: SimContext;
  readonly exchanges: Record<ExchangeId, ExchangeEndpoints>;
  private readonly binanceApi: BinanceApiServer;
  private readonly control: ControlApi;
  private timer?: NodeJS.Timeout;

  constructor(readonly options: SimOptions) {
    const market = new MarketGenerator();
    const recorders = Object.fromEntries(
      EXCHANGE_IDS.map((exchange) => [exchange, new ClosedBarRecorder(exchange, market, BAR_TEXT[exchange])]),
    ) as Record<ExchangeId, ClosedBarRecorder>;
    this.ctx = { options, clock: new VirtualClock(options.speed, options.virtualStart), market, recorders };
    const binance = new BinanceStreamServer('binance', this.ctx) as StreamServer<unknown>;
    this.binanceApi = new BinanceApiServer('binance', this.ctx);
    const okx = new OkxServer('okx', this.ctx) as StreamServer<unknown>;
    const huobi = new HuobiServer('huobi', this.ctx) as StreamServer<unknown>;
    const bybit = new BybitServer('bybit', this.ctx) as StreamServer<unknown>;
    this.exchanges = {
      binance: { streams: binance, all: [binance, this.binanceApi as Endpoint<unknown>] },
      okx: { streams: okx, all: [okx] },
      huobi: { streams: huobi, all: [huobi] },
      bybit: { streams: bybit, all: [bybit] },
    };
    this.control = new ControlApi(this);
  }

  async start(): Promise<SimPorts> {
    const { host, ports } = this.options;
    const listening: SimPorts = {
      binance: await this.exchanges.binance.streams.listen(host, ports.binance),
      binanceApi: await this.binanceApi.listen(host, ports.binanceApi),
      okx: await this.exchanges.okx.streams.listen(host, ports.okx),
      huobi: await this.exchanges.huobi.streams.listen(host, ports.huobi),
      bybit: await this.exchanges.bybit.streams.listen(host, ports.bybit),
      control: await this.control.listen(host, ports.control),
    };
    this.timer = setInterval(() => this.tick(), Math.min(TICK_MS, this.options.updateIntervalMs));
    return listening;
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
