import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedText, javaExponentText, trimmedText } from './decimal.js';
import { MarketGenerator } from './generator.js';
import { timeframe } from './timeframe.js';

test('decimal text is exact: fixed, trimmed, negative and Java exponent forms', () => {
  assert.equal(fixedText(1086, 5, 8), '0.01086000');
  assert.equal(fixedText(-1234, 2, 8), '-12.34000000');
  assert.equal(fixedText(123456789, 10, 8), '0.01234567', 'truncates beyond the output precision');
  assert.equal(trimmedText(6404020, 2), '64040.2');
  assert.equal(trimmedText(1005000, 2), '10050');
  assert.equal(javaExponentText(920, 9), '9.2E-7');
  assert.equal(javaExponentText(5, 8), '5.0E-8');
});

test('a final bar is a pure function of its inputs; open updates converge to it and are valid candles', () => {
  const tf = timeframe('5m');
  const open = 1_786_538_700_000;
  const a = new MarketGenerator();
  const b = new MarketGenerator();
  const profile = a.profile('binance', 'BTCUSDT', 'BTC');
  const final = a.bar(profile, tf, open);
  assert.deepEqual(b.bar(b.profile('binance', 'BTCUSDT', 'BTC'), tf, open), final, 'another generator computes the same bar');
  assert.notDeepEqual(a.bar(a.profile('okx', 'BTCUSDT', 'BTC'), tf, open), final, 'each exchange has its own market');
  let previous = a.bar(profile, tf, open, open);
  for (let t = open; t <= open + tf.sizeMs; t += 10_000) {
    const bar = a.bar(profile, tf, open, t);
    assert.equal(bar.open, final.open);
    assert.ok(bar.low <= Math.min(bar.open, bar.close) && Math.max(bar.open, bar.close) <= bar.high && bar.low > 0);
    assert.ok(bar.high >= previous.high && bar.low <= previous.low && bar.volume >= previous.volume, 'high/low widen, volume grows');
    assert.ok(bar.volume > 0 && BigInt(bar.volume) !== bar.quoteVolume);
    previous = bar;
  }
  assert.deepEqual(previous, final, 'the update at the close is the final bar');
  assert.equal(a.bar(profile, tf, open + tf.sizeMs).open, final.close, 'the next bar opens at this close');
});
