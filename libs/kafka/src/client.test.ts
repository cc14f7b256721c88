import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartWhileTransient } from './client.js';

test('a consumer is restarted through one stretch of failures up to the window, then left down; a later stretch starts afresh', async () => {
  let now = 0;
  const shouldRestart = restartWhileTransient(60_000, () => now);
  const answers: boolean[] = [];
  for (now = 0; now <= 70_000; now += 10_000) answers.push(await shouldRestart());
  assert.deepEqual(answers, [true, true, true, true, true, true, false, false], 'a broker away for a minute: give up and exit');
  now = 200_000;
  assert.equal(await shouldRestart(), true, 'a new outage long after the last failure is ridden out again');
});
