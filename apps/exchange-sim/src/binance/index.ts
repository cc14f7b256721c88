import type { SimExchange } from '../sim-exchange.js';
import type { StreamServer } from '../stream-server.js';
import { binanceBarText } from './payloads.js';
import { BinanceStreamServer } from './stream-server.js';
import { BinanceApiServer } from './ws-api.js';

/** Binance: the combined-stream server, and the WS-API (klines history) on a port of its own. */
export const binanceSim: SimExchange = {
  barText: binanceBarText,
  endpoints: (ctx) => ({
    streams: new BinanceStreamServer('binance', ctx) as StreamServer<unknown>,
    api: new BinanceApiServer('binance', ctx),
  }),
};
