import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireStackLock } from './stack-lock.js';

test('one holder at a time; a lock whose process is gone is taken over', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'stack-lock-')), 'lock');
  const release = await acquireStackLock('first', 0, file);
  assert.ok(existsSync(file));
  // This process holds it: a second taker (same pid here, as a stand-in for another live process) waits, then gives up.
  await assert.rejects(acquireStackLock('second', 0, file), /first \(pid \d+/);
  release();
  assert.equal(existsSync(file), false);
  writeFileSync(file, JSON.stringify({ owner: 'crashed', pid: 2 ** 22 + 17, since: 'earlier' }));
  const again = await acquireStackLock('third', 0, file);
  again();
});
