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

// Whether bars close by the exchange's flag or by inference (HTX) is asserted in each exchange's folder (<exchange>/module.test.ts).
