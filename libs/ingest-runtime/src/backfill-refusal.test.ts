import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackfillRequest } from '@klineflow/schemas';
import { MAX_BACKFILL_BARS, refusalOf } from './backfill.js';
import { exchangeConfig } from './test-support.js';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 24, 1, 0, 0);
const config = exchangeConfig('huobi', ['symbols = ["BTCUSDT", "eth-usdt"]', 'intervals = ["1m", "1h"]']);
const request = (over: Partial<BackfillRequest>): BackfillRequest => ({
  exchange: 'huobi',
  symbol: 'BTCUSDT',
  interval: '1m',
  start_time: T - 10 * MIN,
  end_time: T,
  reason: 'gap',
  requested_at: T,
  ...over,
});

test('history is asked only for configured streams and bounded ranges', () => {
  assert.equal(refusalOf(request({}), config), undefined);
  assert.equal(refusalOf(request({ symbol: 'ETHUSDT', interval: '1h', start_time: T - 60 * MIN }), config), undefined);
  assert.match(refusalOf(request({ symbol: 'BTCUSNT' }), config)!, /BTCUSNT is not configured/);
  assert.match(refusalOf(request({ interval: '5m' }), config)!, /interval 5m is not configured/);
  assert.match(refusalOf(request({ start_time: T - MAX_BACKFILL_BARS * MIN }), config)!, /range of 15001 bars/);
  assert.match(refusalOf(request({ start_time: T + MIN }), config)!, /range of 0 bars/);
  assert.equal(refusalOf(request({ start_time: T - (MAX_BACKFILL_BARS - 1) * MIN }), config), undefined);
});
