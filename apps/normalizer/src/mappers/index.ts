import type { ExchangeId } from '@klineflow/exchanges';
import { binanceMapper } from './binance.js';
import { huobiMapper } from './huobi.js';
import { okxMapper } from './okx.js';
import type { Mapper } from './types.js';

export * from './types.js';

/** One mapper per exchange: adding an exchange without a mapper is a compile error. */
export const MAPPERS: Record<ExchangeId, Mapper> = {
  binance: binanceMapper,
  okx: okxMapper,
  huobi: huobiMapper,
};
