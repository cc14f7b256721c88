import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptBudget } from './attempt-budget.js';

/** Attempt times when `callers` connections each try again as soon as the budget lets them, for `durationMs`. */
function attempts(budget: AttemptBudget, callers: number, durationMs: number): number[] {
  const at: number[] = [];
  const nextTry = Array.from({ length: callers }, () => 0);
  for (let now = 0; now <= durationMs; now++) {
    for (let c = 0; c < callers; c++) {
      if (nextTry[c]! > now) continue;
      const wait = budget.take(now);
      if (wait === 0) {
        at.push(now);
        nextTry[c] = now + 1;
      } else nextTry[c] = now + wait;
    }
  }
  return at;
}

/** The most attempts in any window of `windowMs`. */
function busiestWindow(at: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (at[i]! - at[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

test('Binance: 60 connections reconnect at once, and however many keep retrying, no 5 min holds more than 300 attempts', () => {
  const at = attempts(new AttemptBudget(300, 300_000, 0), 100, 900_000);
  assert.equal(at.filter((t) => t === 0).length, 60, 'a fifth of the limit goes at once');
  assert.ok(busiestWindow(at, 300_000) <= 300, `busiest 5 min: ${busiestWindow(at, 300_000)}`);
  assert.ok(at.length >= 60 + 0.8 * 900 - 1, `the limit is used, not wasted: ${at.length} attempts in 15 min`);
});

test('OKX: at most 3 attempts in any second, and no fewer than the limit allows', () => {
  const at = attempts(new AttemptBudget(3, 1000, 0), 5, 10_000);
  assert.ok(busiestWindow(at, 1000) <= 3, `busiest second: ${busiestWindow(at, 1000)}`);
  assert.ok(at.length >= 20, `${at.length} attempts in 10 s`);
});
