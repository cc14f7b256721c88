import { testModuleFacts } from '../test-support.js';
import { okx } from './index.js';

testModuleFacts('okx', okx, {
  name: 'OKX',
  intervals: ['candle1m', 'candle5m', 'candle15m', 'candle1H', 'candle4H', 'candle1Dutc'],
  btcusdt: 'BTC-USDT',
  barClosing: 'flagged',
});
