import type { ExchangeModule } from '../module.js';
import { huobiFacts } from './facts.js';
import { huobiMapper } from './mapper.js';
import { huobiProtocol } from './protocol.js';

export * from './facts.js';
export * from './mapper.js';
export * from './protocol.js';
export * from './wire.js';

/** HTX (Huobi) (docs/PROTOCOLS.md). */
export const huobi: ExchangeModule = { facts: huobiFacts, protocol: huobiProtocol, mapper: huobiMapper };
export * from './literal-json.js';
