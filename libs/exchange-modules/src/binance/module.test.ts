import { testModuleFacts } from '../test-support.js';
import { binance } from './index.js';

testModuleFacts('binance', binance, {
  name: 'Binance',
  btcusdt: 'btcusdt',
  barClosing: 'flagged',
});
