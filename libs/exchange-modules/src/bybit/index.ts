import type { ExchangeModule } from '../module.js';
import { bybitFacts } from './facts.js';
import { bybitMapper } from './mapper.js';
import { bybitProtocol } from './protocol.js';

export * from './facts.js';
export * from './mapper.js';
export * from './protocol.js';
export * from './wire.js';

/** Bybit v5 spot (docs/PROTOCOLS.md). */
export const bybit: ExchangeModule = { facts: bybitFacts, protocol: bybitProtocol, mapper: bybitMapper };
export * from './book.js';
