import type { SimExchange } from '../sim-exchange.js';
import type { StreamServer } from '../stream-server.js';
import { okxBarText } from './payloads.js';
import { OkxServer } from './server.js';

/** OKX: one server for its public and business paths. */
export const okxSim: SimExchange = {
  barText: okxBarText,
  endpoints: (ctx) => ({ streams: new OkxServer('okx', ctx) as StreamServer<unknown> }),
};
