import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXCHANGE_IDS, INTERVALS, parseSymbol } from '@klineflow/exchanges';
import { EXCHANGE_FACTS, fromNativeInterval, resolveSymbol, toNativeInterval } from './facts.js';

// Each exchange's own interval names, symbol spelling and bar closing are asserted in its folder (<exchange>/module.test.ts).

test('intervals map both ways on every exchange', () => {
  for (const exchange of EXCHANGE_IDS)
    for (const interval of INTERVALS) assert.equal(fromNativeInterval(exchange, toNativeInterval(exchange, interval)), interval);
  assert.equal(fromNativeInterval('okx', 'candle1D'), undefined, 'OKX candle1D opens at 16:00 UTC and is not our 1d');
});

test("a symbol's native form on every exchange reads back to the canonical one", () => {
  const btc = parseSymbol('BTCUSDT');
  for (const exchange of EXCHANGE_IDS)
    assert.equal(EXCHANGE_FACTS[exchange].canonicalSymbol(resolveSymbol(exchange, btc).native), 'BTCUSDT', exchange);
});

test('OKX spaces its connects within its 3 attempts per second', () => {
  const { connectAttempts, connectSpacingMs } = EXCHANGE_FACTS.okx.limits;
  assert.ok(connectAttempts && connectSpacingMs >= connectAttempts.perMs / connectAttempts.count, `${connectSpacingMs} ms`);
});
