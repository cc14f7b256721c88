import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integerAfter } from './scan.js';

test("integerAfter reads a field's integer by scan, and nothing when the field is absent or not a number", () => {
  assert.equal(integerAfter('{"ch":"market.ethbtc.kline.1min","ts":1630981694370,"tick":{"id":1}}', '"ts":'), 1630981694370);
  assert.equal(integerAfter('{"lastUpdateId":1,"bids":[]}', '"E":'), undefined);
  assert.equal(integerAfter('{"E":"x"}', '"E":'), undefined);
});
