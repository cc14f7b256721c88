import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBackfillRequest } from '@klineflow/schemas';
import { integerAfter } from '@klineflow/exchange-modules';
import { MAX_OUTAGE_BARS, outageBackfillRequests, outageOnExchangeClock } from './outage.js';
import { planStreams } from './plan.js';
import { exchangeConfig, planningProtocol } from './test-support.js';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 24, 1, 0, 0);

function streams() {
  const config = exchangeConfig('binance', ['symbols = ["BTCUSDT"]', 'channels = ["kline", "trade"]', 'intervals = ["1m", "5m", "1h"]']);
  return planStreams(config, planningProtocol('binance'));
}

test('an outage asks for exactly the bars that closed inside it, per kline stream, and nothing for other channels', () => {
  // Down from 00:59:30 to 01:05:10. Closed meanwhile: 1m bars 00:59 … 01:04, 5m bars 00:55 and 01:00
  // (closing at 01:00 and 01:05), and the 1h bar 00:00 (closing at 01:00).
  const requests = outageBackfillRequests('binance', streams(), T - 30_000, T + 5 * MIN + 10_000, T + 6 * MIN);
  assert.deepEqual(
    requests.map((r) => [r.symbol, r.interval, r.start_time, r.end_time, r.reason]),
    [
      ['BTCUSDT', '1m', T - MIN, T + 4 * MIN, 'outage'],
      ['BTCUSDT', '5m', T - 5 * MIN, T, 'outage'],
      ['BTCUSDT', '1h', T - 60 * MIN, T - 60 * MIN, 'outage'],
    ],
  );
  assert.ok(
    requests.every((r) => validateBackfillRequest(r)),
    'valid backfill-requests records',
  );
});

test('a short outage that crosses no bar boundary asks for nothing', () => {
  assert.deepEqual(outageBackfillRequests('binance', streams(), T + 1_000, T + 2_500, T + 3_000), []);
});

test("the outage is placed on the exchange clock from its two frames; a frame without a time borrows the other's offset", () => {
  const timeOf = (text: string) => integerAfter(text, '"E":');
  const frame = (E: number) => `{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":${E},"k":{}}}`;
  const book = '{"stream":"btcusdt@depth20","data":{"lastUpdateId":1,"bids":[],"asks":[]}}';
  // A simulator 60× fast: 1 s of local outage is a minute on the exchange.
  assert.deepEqual(outageOnExchangeClock(timeOf, { at: 1_000, text: frame(T) }, { at: 2_000, text: frame(T + MIN) }), {
    start: T,
    end: T + MIN,
  });
  assert.deepEqual(outageOnExchangeClock(timeOf, { at: 1_000, text: book }, { at: 2_000, text: frame(T) }), { start: T - 1_000, end: T });
  assert.deepEqual(outageOnExchangeClock(timeOf, { at: 1_000, text: frame(T) }, { at: 2_000, text: undefined }), {
    start: T,
    end: T + 1_000,
  });
  assert.deepEqual(outageOnExchangeClock(undefined, { at: 1_000, text: frame(T) }, { at: 2_000, text: frame(T) }), {
    start: 1_000,
    end: 2_000,
  });
});

test('corrupt outage ends ask for nothing; a huge window asks for at most MAX_OUTAGE_BARS per stream', () => {
  assert.deepEqual(outageBackfillRequests('binance', streams(), T, 1e23, T), []);
  const requests = outageBackfillRequests('binance', streams(), Date.UTC(2009, 0, 1), T, T);
  const oneMinute = requests.find((r) => r.interval === '1m')!;
  assert.equal((oneMinute.end_time - oneMinute.start_time) / MIN + 1, MAX_OUTAGE_BARS);
  assert.equal(oneMinute.end_time, T - MIN, 'the newest bars are the ones asked for');
});
