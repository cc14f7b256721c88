import type { ExchangeModule } from '../module.js';
import { okxFacts } from './facts.js';
import { okxMapper } from './mapper.js';
import { okxProtocol } from './protocol.js';

export * from './facts.js';
export * from './mapper.js';
export * from './protocol.js';
export * from './wire.js';

/** OKX v5 (docs/PROTOCOLS.md). */
export const okx: ExchangeModule = { facts: okxFacts, protocol: okxProtocol, mapper: okxMapper };
