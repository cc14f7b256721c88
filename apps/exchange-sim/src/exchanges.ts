import type { ExchangeId } from '@klineflow/exchanges';
import { binanceSim } from './binance/index.js';
import { bybitSim } from './bybit/index.js';
import { huobiSim } from './huobi/index.js';
import { okxSim } from './okx/index.js';
import type { SimExchange } from './sim-exchange.js';

/** The simulator's one list of exchanges: adding an exchange id without its simulator folder is a compile error. */
export const SIM_EXCHANGES: Record<ExchangeId, SimExchange> = { binance: binanceSim, okx: okxSim, huobi: huobiSim, bybit: bybitSim };
