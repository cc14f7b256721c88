import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedText, isTiny, javaExponentText, trimmedText } from './decimal.js';
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

test('decimal text matches exact BigInt arithmetic for numbers and bigints of every size and scale', () => {
  const reference = (units: bigint, decimals: number, outDecimals: number): string => {
    const magnitude = units < 0n ? -units : units;
    const scaled =
      outDecimals < decimals ? magnitude / 10n ** BigInt(decimals - outDecimals) : magnitude * 10n ** BigInt(outDecimals - decimals);
    const digits = scaled.toString().padStart(outDecimals + 1, '0');
    const point = digits.length - outDecimals;
    return `${units < 0n ? '-' : ''}${digits.slice(0, point)}${outDecimals > 0 ? `.${digits.slice(point)}` : ''}`;
  };
  let seed = 11;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (let i = 0; i < 5_000; i++) {
    const magnitude = (BigInt(next()) * BigInt(next())) / BigInt(1 + (next() % 1_000_000));
    const units = next() % 4 === 0 ? -magnitude : magnitude;
    const decimals = next() % 13;
    const outDecimals = next() % 13;
    const expected = reference(units, decimals, outDecimals);
    assert.equal(fixedText(units, decimals, outDecimals), expected, `bigint ${units} ${decimals} ${outDecimals}`);
    if (units >= -BigInt(Number.MAX_SAFE_INTEGER) && units <= BigInt(Number.MAX_SAFE_INTEGER)) {
      assert.equal(fixedText(Number(units), decimals, outDecimals), expected, `number ${units} ${decimals} ${outDecimals}`);
      assert.equal(isTiny(Number(units), decimals), units > 0n && units * 1000n < 10n ** BigInt(decimals));
    }
  }
  assert.equal(fixedText(2 ** 60, 2), '11529215046068469.76', 'a number past 2^53 is exact through BigInt');
  assert.throws(() => fixedText(12.5, 2), RangeError);
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
