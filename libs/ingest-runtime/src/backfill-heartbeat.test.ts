import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heartbeatWhile } from './backfill.js';

test('heartbeatWhile heartbeats while a reply is awaited, and returns the reply', async () => {
  let heartbeats = 0;
  const reply = new Promise<string>((resolve) => setTimeout(() => resolve('bars'), 120));
  assert.equal(await heartbeatWhile(reply, async () => void heartbeats++, 20), 'bars');
  assert.ok(heartbeats >= 3, `${heartbeats} heartbeats over a 120 ms wait at one per 20 ms`);
});

test('heartbeatWhile passes a lost request on, and stops heartbeating once it settled', async () => {
  let heartbeats = 0;
  const lost = new Promise<string>((_, reject) => setTimeout(() => reject(new Error('no reply to request bf1')), 50));
  await assert.rejects(
    heartbeatWhile(lost, async () => void heartbeats++, 20),
    /no reply to request bf1/,
  );
  const after = heartbeats;
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(heartbeats, after, 'no heartbeat after the request settled');
});

test('heartbeatWhile does not heartbeat for a reply that is already there', async () => {
  let heartbeats = 0;
  assert.equal(await heartbeatWhile(Promise.resolve(7), async () => void heartbeats++, 20), 7);
  assert.equal(heartbeats, 0);
});
