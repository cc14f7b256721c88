import type { ExchangeId } from '@klineflow/exchanges';
import { binance } from './binance/index.js';
import { bybit } from './bybit/index.js';
import { huobi } from './huobi/index.js';
import { okx } from './okx/index.js';
import type { ExchangeModule } from './module.js';

/** One module per exchange: adding an exchange id without its module is a compile error. */
export const EXCHANGES: Record<ExchangeId, ExchangeModule> = { binance, okx, huobi, bybit };
