import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

test('the first retry lands in 100–250 ms over the whole jitter range', () => {
  for (const r of [0, 0.25, 0.5, 0.999999]) {
    const delay = new Backoff({ initialMs: 100, maxMs: 5000, resetAfterMs: 10_000, random: () => r }).nextDelay(0);
    assert.ok(delay >= 100 && delay < 250, `r=${r} gave ${delay}`);
  }
});

test('the window doubles per attempt and is capped, never below the initial delay', () => {
  const top = new Backoff({ initialMs: 100, maxMs: 5000, resetAfterMs: 10_000, random: () => 0.999999 });
  const ceilings = Array.from({ length: 10 }, () => Math.round(top.nextDelay(0)));
  assert.deepEqual(ceilings, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000]);
  const bottom = new Backoff({ initialMs: 100, maxMs: 5000, resetAfterMs: 10_000, random: () => 0 });
  for (let i = 0; i < 100; i++) assert.equal(bottom.nextDelay(0), 100);
});

test('jitter spreads delays across the window (full jitter, not a fixed step)', () => {
  // 5th attempt: window [100, 4000]. 2000 samples, each from a fresh backoff at that attempt.
  const samples = Array.from({ length: 2000 }, () => {
    const b = new Backoff({ initialMs: 100, maxMs: 100_000, resetAfterMs: 10_000 });
    for (let i = 0; i < 4; i++) b.nextDelay(0);
    return b.nextDelay(0);
  });
  assert.ok(samples.every((d) => d >= 100 && d <= 4000));
  assert.ok(samples.some((d) => d < 1000) && samples.some((d) => d > 3000), 'uses the whole window');
});

test('keeps retrying forever without overflowing', () => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 5000, resetAfterMs: 10_000, random: () => 0.999 });
  let last = 0;
  for (let i = 0; i < 10_000; i++) last = backoff.nextDelay(0);
  assert.ok(Number.isFinite(last) && last <= 5000 && last > 4900);
});

test('a connection healthy for resetAfterMs resets the backoff; a short-lived one does not', () => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 5000, resetAfterMs: 10_000, random: sequence(0.999999) });
  for (let i = 0; i < 5; i++) backoff.nextDelay(0);
  backoff.markHealthy(1000);
  assert.ok(backoff.nextDelay(5000) > 4000, 'healthy for only 4 s: still backed off');
  backoff.markHealthy(6000);
  backoff.markHealthy(9000); // repeated marks keep the first time
  assert.ok(backoff.nextDelay(16_000) < 250, 'healthy for 10 s: back to the first window');
  assert.equal(backoff.attempts, 1);
});

test('rejects a nonsensical configuration', () => {
  assert.throws(() => new Backoff({ initialMs: 0, maxMs: 10, resetAfterMs: 1 }), RangeError);
  assert.throws(() => new Backoff({ initialMs: 100, maxMs: 50, resetAfterMs: 1 }), RangeError);
});
