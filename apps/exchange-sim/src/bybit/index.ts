import type { SimExchange } from '../sim-exchange.js';
import type { StreamServer } from '../stream-server.js';
import { bybitBarText } from './payloads.js';
import { BybitServer } from './server.js';

/** Bybit v5 public spot: one server. */
export const bybitSim: SimExchange = {
  barText: bybitBarText,
  endpoints: (ctx) => ({ streams: new BybitServer('bybit', ctx) as StreamServer<unknown> }),
};
