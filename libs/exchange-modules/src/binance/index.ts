import type { ExchangeModule } from '../module.js';
import { binanceFacts } from './facts.js';
import { binanceMapper } from './mapper.js';
import { binanceProtocol } from './protocol.js';

export * from './facts.js';
export * from './mapper.js';
export * from './protocol.js';
export * from './wire.js';

/** Binance spot (docs/PROTOCOLS.md). */
export const binance: ExchangeModule = { facts: binanceFacts, protocol: binanceProtocol, mapper: binanceMapper };
