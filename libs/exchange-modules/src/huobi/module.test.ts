import { testModuleFacts } from '../test-support.js';
import { huobi } from './index.js';

testModuleFacts('huobi', huobi, {
  name: 'HTX',
  intervals: ['1min', '5min', '15min', '60min', '4hour', '1day'],
  btcusdt: 'btcusdt',
  barClosing: 'inferred',
});
