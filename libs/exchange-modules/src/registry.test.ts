import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXCHANGE_IDS } from '@klineflow/exchanges';
import { EXCHANGES } from './registry.js';

test('each exchange id has its own module: protocol and mapper of that exchange', () => {
  for (const id of EXCHANGE_IDS) {
    assert.equal(EXCHANGES[id].protocol.exchange, id);
    assert.equal(EXCHANGES[id].mapper.exchange, id);
  }
});

test("bars close by the exchange's flag, except on HTX, which sends none", () => {
  assert.deepEqual(Object.fromEntries(EXCHANGE_IDS.map((id) => [id, EXCHANGES[id].mapper.barClosing])), {
    binance: 'flagged',
    okx: 'flagged',
    huobi: 'inferred',
    bybit: 'flagged',
  });
});
