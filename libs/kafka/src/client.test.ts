import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Consumer } from 'kafkajs';
import { isTransientKafkaError, keepConsuming, restartWhileTransient } from './client.js';

/** The part of a kafkajs consumer keepConsuming touches: its events and disconnect. */
class FakeConsumer extends EventEmitter {
  readonly events = { CRASH: 'consumer.crash' };
  disconnected = false;
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
  crash(message: string): void {
    this.emit(this.events.CRASH, { payload: { error: new Error(message), restart: false } });
  }
}

test('a consumer is restarted through one stretch of failures up to the window, then left down; a later stretch starts afresh', async () => {
  let now = 0;
  const shouldRestart = restartWhileTransient(60_000, () => now);
  const answers: boolean[] = [];
  for (now = 0; now <= 70_000; now += 10_000) answers.push(await shouldRestart());
  assert.deepEqual(answers, [true, true, true, true, true, true, false, false], 'a broker away for a minute: give up and exit');
  now = 200_000;
  assert.equal(await shouldRestart(), true, 'a new outage long after the last failure is ridden out again');
});

test('keepConsuming replaces a consumer that kafkajs gave up on, and hands over to fatal once the window is spent', async () => {
  const created: FakeConsumer[] = [];
  const ran: FakeConsumer[] = [];
  const restarting: string[] = [];
  const fatal: string[] = [];
  const options = {
    create: () => {
      const consumer = new FakeConsumer();
      created.push(consumer);
      return consumer as unknown as Consumer;
    },
    run: async (consumer: Consumer) => void ran.push(consumer as unknown as FakeConsumer),
    restarting: (error: Error) => void restarting.push(error.message),
    fatal: (error: Error) => void fatal.push(error.message),
    retryMs: 10,
  };
  const runner = await keepConsuming(options);
  created[0]!.crash('Failed to find group coordinator');
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => ran.length === 2 && (clearInterval(poll), resolve()), 5);
  });
  assert.equal(created[0]!.disconnected, true, 'the dead consumer is let go');
  assert.deepEqual(restarting, ['Failed to find group coordinator']);
  assert.equal(ran[1], created[1], 'a fresh consumer runs in its place');
  await runner.stop();
  assert.equal(created[1]!.disconnected, true);

  fatal.length = 0;
  const noWindow = await keepConsuming({ ...options, windowMs: 0 });
  created.at(-1)!.crash('broker gone for good');
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => fatal.length === 1 && (clearInterval(poll), resolve()), 5);
  });
  assert.deepEqual(fatal, ['broker gone for good']);
  assert.equal(created.length, 3, 'no replacement once the window is spent');
  await noWindow.stop();
});

test('an eviction is retried through what a broker restart raises, not through a refusal', () => {
  const require = createRequire(import.meta.url);
  const errors = require('kafkajs/src/errors.js') as Record<string, new (e: unknown, options?: object) => Error>;
  const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };
  const refused = new errors.KafkaJSConnectionError!('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  // kafkajs wraps what it gave up on in a non-retriable error; the cause decides.
  assert.equal(isTransientKafkaError(new errors.KafkaJSNumberOfRetriesExceeded!(refused, { retryCount: 0, retryTime: 100 })), true);
  assert.equal(isTransientKafkaError(createErrorFromCode(14)), true, 'the coordinator is loading');
  assert.equal(isTransientKafkaError(createErrorFromCode(16)), true, 'not the coordinator (it moved)');
  assert.equal(isTransientKafkaError(new Error('no answer within 1500 ms')), true);
  assert.equal(isTransientKafkaError(new errors.KafkaJSGroupCoordinatorNotFound!('Failed to find group coordinator')), true);
  const unauthorized = createErrorFromCode(30);
  assert.equal(isTransientKafkaError(unauthorized), false, 'group authorization failed');
  assert.equal(isTransientKafkaError(new errors.KafkaJSNonRetriableError!(unauthorized, { cause: unauthorized })), false);
  assert.equal(isTransientKafkaError(new errors.KafkaJSSASLAuthenticationError!('SASL SCRAM SHA256 authentication failed')), false);
});
