import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopicPartitionOffset } from 'kafkajs';
import { OffsetCommitter, SerialPump, splitTopicMessages } from './pipelining.js';

/** A promise the test settles by hand, so the order of events is fixed without timers. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('SerialPump: kicks during a step are taken by one next step, and steps never overlap', async () => {
  const gates = [gate(), gate(), gate()];
  let running = 0;
  let maxRunning = 0;
  let steps = 0;
  const pump = new SerialPump(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await gates[steps++]!.promise;
    running--;
  });
  pump.kick();
  pump.kick();
  pump.kick();
  assert.equal(steps, 1, 'the first kick starts a step at once');
  gates[0]!.open();
  const idle = pump.idle();
  await Promise.resolve();
  gates[1]!.open();
  await idle;
  assert.equal(steps, 2, 'the two kicks during the first step were served by a single second step');
  assert.equal(maxRunning, 1);
  gates[2]!.open();
  pump.kick();
  await pump.idle();
  assert.equal(steps, 3, 'an idle pump starts again on the next kick');
});

test('OffsetCommitter: one commit in flight; offsets added meanwhile merge, highest per partition', async () => {
  const commits: TopicPartitionOffset[][] = [];
  const first = gate();
  const committer = new OffsetCommitter(
    async (offsets) => {
      commits.push(offsets);
      if (commits.length === 1) await first.promise;
    },
    () => assert.fail('no commit fails here'),
  );
  committer.add([{ topic: 'a', partition: 0, offset: '10' }]);
  committer.add([
    { topic: 'a', partition: 0, offset: '12' },
    { topic: 'a', partition: 1, offset: '5' },
  ]);
  committer.add([{ topic: 'a', partition: 0, offset: '11' }]);
  assert.equal(commits.length, 1, 'the later offsets wait for the commit in flight');
  first.open();
  await committer.settle();
  assert.deepEqual(commits, [
    [{ topic: 'a', partition: 0, offset: '10' }],
    [
      { topic: 'a', partition: 0, offset: '12' },
      { topic: 'a', partition: 1, offset: '5' },
    ],
  ]);
});

test('OffsetCommitter: a failed commit is reported and later offsets still commit', async () => {
  const errors: string[] = [];
  const committed: string[] = [];
  const committer = new OffsetCommitter(
    async (offsets) => {
      if (offsets[0]!.offset === '1') throw new Error('rebalance in progress');
      committed.push(offsets[0]!.offset);
    },
    (error) => errors.push(error.message),
  );
  committer.add([{ topic: 't', partition: 0, offset: '1' }]);
  await committer.settle();
  committer.add([{ topic: 't', partition: 0, offset: '2' }]);
  await committer.settle();
  assert.deepEqual(errors, ['rebalance in progress']);
  assert.deepEqual(committed, ['2']);
});

test('splitTopicMessages keeps every message, in order, within the byte bound per request', () => {
  const value = 'x'.repeat(100);
  const topicMessages = [
    { topic: 'kline-data', messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value })) },
    { topic: 'normalizer-state', messages: Array.from({ length: 30 }, (_, i) => ({ key: `s${i}`, value })) },
  ];
  const requests = splitTopicMessages(topicMessages, 2_000);
  assert.ok(requests.length > 1);
  for (const request of requests) {
    const bytes = request
      .flatMap((t) => t.messages)
      .reduce((sum, m) => sum + Buffer.byteLength(m.key!) + Buffer.byteLength(m.value as string) + 32, 0);
    assert.ok(bytes <= 2_000, `request of ${bytes} bytes`);
  }
  for (const topic of ['kline-data', 'normalizer-state']) {
    const keys = requests.flatMap((r) => r.filter((t) => t.topic === topic).flatMap((t) => t.messages.map((m) => m.key)));
    assert.deepEqual(
      keys,
      topicMessages.find((t) => t.topic === topic)!.messages.map((m) => m.key),
    );
  }
});

test('splitTopicMessages counts bytes, not characters', () => {
  const requests = splitTopicMessages(
    [
      {
        topic: 't',
        messages: [
          { key: 'a', value: '€'.repeat(300) },
          { key: 'b', value: '€'.repeat(300) },
        ],
      },
    ],
    1_000,
  );
  assert.equal(requests.length, 2, 'two values of 900 bytes each do not share a 1,000-byte request');
});
