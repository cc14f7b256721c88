import type { SimExchange } from '../sim-exchange.js';
import type { StreamServer } from '../stream-server.js';
import { huobiBarText } from './payloads.js';
import { HuobiServer } from './server.js';

/** HTX: one gzip server. */
export const huobiSim: SimExchange = {
  barText: huobiBarText,
  endpoints: (ctx) => ({ streams: new HuobiServer('huobi', ctx) as StreamServer<unknown> }),
};
