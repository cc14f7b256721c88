import type { ExchangeModule } from '../module.js';
import { okxMapper } from './mapper.js';
import { okxProtocol } from './protocol.js';

export * from './mapper.js';
export * from './protocol.js';

/** OKX v5 (docs/PROTOCOLS.md). */
export const okx: ExchangeModule = { protocol: okxProtocol, mapper: okxMapper };
