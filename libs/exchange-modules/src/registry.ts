import type { ExchangeId } from '@klineflow/exchanges';
import { binance } from './binance/index.js';
import { bybit } from './bybit/index.js';
import { huobi } from './huobi/index.js';
import { okx } from './okx/index.js';
import type { ExchangeModule } from './module.js';

// Each exchange's folder, exported whole (its wire types are the simulator's too)...
export * from './binance/index.js';
export * from './okx/index.js';
export * from './huobi/index.js';
export * from './bybit/index.js';

/** ...and its module: adding an exchange id without its module is a compile error. */
export const EXCHANGES: Record<ExchangeId, ExchangeModule> = { binance, okx, huobi, bybit };
