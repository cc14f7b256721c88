import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialPump } from './pipelining.js';

// The sinks' write step kicks the pump before its first await when a batch is too large for one write.
// That kick used to start a second loop (the first had not yet been recorded as running): two writes
// at once, the later records written first, which breaks "the last inserted of equal versions wins".
test('SerialPump: a kick from within the synchronous start of a step does not start an overlapping step', async () => {
  const log: string[] = [];
  let queue = ['A', 'B', 'C'];
  let running = 0;
  const pump: SerialPump = new SerialPump(async () => {
    const item = queue[0];
    if (item === undefined) return;
    queue = queue.slice(1);
    if (queue.length > 0) pump.kick(); // more to write: ask for another step, before any await
    running++;
    log.push(`start ${item} (${running} running)`);
    await new Promise((r) => setTimeout(r, 5));
    log.push(`end ${item}`);
    running--;
  });
  pump.kick();
  await pump.idle();
  assert.deepEqual(log, ['start A (1 running)', 'end A', 'start B (1 running)', 'end B', 'start C (1 running)', 'end C']);
});
