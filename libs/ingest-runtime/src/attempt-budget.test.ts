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
      const wait = budget.take(now, c, true);
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
  const at = attempts(new AttemptBudget(300, 300_000), 100, 900_000);
  assert.equal(at.filter((t) => t === 0).length, 60, 'a fifth of the limit goes at once');
  assert.ok(busiestWindow(at, 300_000) <= 300, `busiest 5 min: ${busiestWindow(at, 300_000)}`);
  assert.ok(at.length >= 60 + 0.8 * 900 - 1, `the limit is used, not wasted: ${at.length} attempts in 15 min`);
});

test('OKX: at most 3 attempts in any second, 3 of them at once, and no fewer than the limit allows', () => {
  const at = attempts(new AttemptBudget(3, 1000), 5, 10_000);
  assert.equal(at.filter((t) => t === 0).length, 3, 'three connections dropped together reconnect together');
  assert.ok(busiestWindow(at, 1000) <= 3, `busiest second: ${busiestWindow(at, 1000)}`);
  assert.ok(at.length >= 30, `${at.length} attempts in 10 s`);
});

test('a connection whose shard has no live twin goes before standbys whose twin still delivers', () => {
  const budget = new AttemptBudget(3, 1000);
  const granted: string[] = [];
  // Six standbys (twin up) and two starved connections all ask every millisecond for 2 s, standbys first.
  const claimants = [
    ...['s1', 's2', 's3', 's4', 's5', 's6'].map((id) => ({ id, starved: false })),
    { id: 'a', starved: true },
    { id: 'b', starved: true },
  ];
  const nextTry = new Map(claimants.map((c) => [c.id, 0]));
  for (let now = 0; now < 2000; now++) {
    for (const c of claimants) {
      if (granted.includes(c.id) || nextTry.get(c.id)! > now) continue;
      const wait = budget.take(now, c.id, c.starved);
      if (wait === 0) granted.push(c.id);
      else nextTry.set(c.id, now + wait);
    }
  }
  // The standbys asked first and took the first second's three attempts; the starved pair was refused
  // then, so the next attempts the window frees are theirs, before any other standby's.
  assert.deepEqual(granted.slice(0, 5), ['s1', 's2', 's3', 'a', 'b']);
  assert.equal(granted.length, 6, 'three attempts a second: six in the two seconds');
});

test('a starved connection that stopped asking no longer holds the standbys back', () => {
  const budget = new AttemptBudget(1, 1000);
  assert.equal(budget.take(0, 'first', true), 0);
  assert.ok(budget.take(10, 'starved', true) > 0, 'the window is spent');
  assert.equal(budget.take(1500, 'standby', false) > 0, true, 'a starved connection is waiting: the standby yields');
  budget.forget('starved');
  assert.equal(budget.take(1500, 'standby', false), 0, 'once it is forgotten the standby may go');
});
