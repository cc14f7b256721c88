import { testModuleFacts } from '../test-support.js';
import { bybit } from './index.js';

testModuleFacts('bybit', bybit, {
  name: 'Bybit',
  intervals: ['1', '5', '15', '60', '240', 'D'],
  btcusdt: 'BTCUSDT',
  barClosing: 'flagged',
});
