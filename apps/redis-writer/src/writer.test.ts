import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyError } from 'ioredis';
import { isKeyError } from './writer.js';

const reply = (message: string): Error => new (ReplyError as ErrorConstructor)(message);

test('Redis refusing one key is a key error; Redis unavailable, or no reply at all, is not', () => {
  assert.equal(
    isKeyError(reply('WRONGTYPE Operation against a key holding the wrong kind of value script: 1f0e, on @user_script:16.')),
    true,
  );
  assert.equal(isKeyError(reply('ERR user_script:5: Script attempted to access nonexistent global variable')), true);
  for (const message of [
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script',
    'OOM command not allowed when used memory > maxmemory',
    "READONLY You can't write against a read only replica.",
  ]) {
    assert.equal(isKeyError(reply(message)), false, message);
  }
  assert.equal(isKeyError(new Error('Connection is closed.')), false);
  assert.equal(isKeyError(new Error("Stream isn't writeable and enableOfflineQueue options is false")), false);
});
