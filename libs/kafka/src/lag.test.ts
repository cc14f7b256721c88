import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { groupLag, partitionLag, startLagExporter, type LagAdmin } from './lag.js';

test('lag is end minus committed; without a usable commit the reset policy decides where the group resumes', () => {
  assert.equal(partitionLag('40', '0', '100', true), 60);
  assert.equal(partitionLag('100', '0', '100', true), 0, 'caught up');
  assert.equal(partitionLag('-1', '20', '100', true), 80, 'no commit, fromBeginning: counted from the low watermark');
  assert.equal(partitionLag('-1', '20', '100', false), 0, 'no commit, latest: resumes at the end');
  assert.equal(partitionLag('5', '20', '100', true), 80, 'commit deleted by retention: reset to the low watermark');
  assert.equal(partitionLag('5', '20', '100', false), 0);
  assert.equal(partitionLag('-1', '0', '0', true), 0, 'empty partition');
});

test('groupLag covers every partition of the topics, committed or not, in a stable order', () => {
  const lags = groupLag(
    [
      {
        topic: 'b',
        partitions: [
          { partition: 1, offset: '7' },
          { partition: 0, offset: '-1' },
        ],
      },
    ],
    new Map([
      [
        'b',
        [
          { partition: 0, low: '0', high: '3' },
          { partition: 1, low: '0', high: '10' },
        ],
      ],
      ['a', [{ partition: 0, low: '2', high: '2' }]],
    ]),
    true,
  );
  assert.deepEqual(lags, [
    { topic: 'a', partition: 0, lag: 0 },
    { topic: 'b', partition: 0, lag: 3 },
    { topic: 'b', partition: 1, lag: 3 },
  ]);
});

/** A scripted admin: `down` makes every call fail like an unreachable broker. */
function fakeAdmin(state: { down: boolean; high: number; committed: number; connects: number; disconnects: number }): LagAdmin {
  const unreachable = () => Promise.reject(new Error('Connection error: connect ECONNREFUSED'));
  return {
    connect: async () => {
      if (state.down) return unreachable();
      state.connects++;
    },
    disconnect: async () => void state.disconnects++,
    fetchOffsets: async () =>
      state.down ? unreachable() : [{ topic: 't', partitions: [{ partition: 0, offset: String(state.committed), metadata: null }] }],
    fetchTopicOffsets: async () =>
      state.down ? unreachable() : [{ partition: 0, offset: String(state.high), high: String(state.high), low: '0' }],
  } as LagAdmin;
}

const series = async (registry: Registry) =>
  (await registry.getSingleMetricAsString('klineflow_consumer_lag_messages')).split('\n').filter((l) => !l.startsWith('#'));

test('an outage withholds the series, warns once, says once when it reads again, and reuses one connection while healthy', async () => {
  const registry = new Registry();
  const logs: string[] = [];
  const logger = { warn: (m: string) => logs.push(`warn ${m}`), info: (m: string) => logs.push(`info ${m}`) };
  const state = { down: false, high: 10, committed: 4, connects: 0, disconnects: 0 };
  const exporter = startLagExporter({
    brokers: [],
    groupId: 'g',
    topics: ['t'],
    registry,
    logger,
    intervalMs: 3_600_000,
    createAdmin: () => fakeAdmin(state),
  });
  try {
    assert.equal(await exporter.refresh(), true);
    assert.deepEqual(await series(registry), ['klineflow_consumer_lag_messages{group="g",topic="t",partition="0"} 6']);
    state.high = 15;
    assert.equal(await exporter.refresh(), true);
    assert.deepEqual(await series(registry), ['klineflow_consumer_lag_messages{group="g",topic="t",partition="0"} 11']);
    assert.equal(state.connects, 1, 'the connection is kept between rounds');

    state.down = true;
    for (let i = 0; i < 5; i++) assert.equal(await exporter.refresh(), false);
    assert.deepEqual(await series(registry), [], 'no stale figure while Kafka cannot be read');
    state.down = false;
    state.committed = 15;
    assert.equal(await exporter.refresh(), true);
    assert.deepEqual(await series(registry), ['klineflow_consumer_lag_messages{group="g",topic="t",partition="0"} 0']);
    state.down = true;
    await exporter.refresh();
    await exporter.refresh();
    assert.equal(logs.length, 3);
    assert.match(logs[0]!, /^warn consumer lag unreadable/);
    assert.match(logs[1]!, /^info consumer lag readable again/);
    assert.match(logs[2]!, /^warn consumer lag unreadable/);
  } finally {
    await exporter.stop();
  }
});

test('two exporters in one process share the gauge; stopping one removes only its series', async () => {
  const registry = new Registry();
  const state = { down: false, high: 10, committed: 4, connects: 0, disconnects: 0 };
  const a = startLagExporter({
    brokers: [],
    groupId: 'a',
    topics: ['t'],
    registry,
    intervalMs: 3_600_000,
    createAdmin: () => fakeAdmin(state),
  });
  const b = startLagExporter({
    brokers: [],
    groupId: 'b',
    topics: ['t'],
    registry,
    intervalMs: 3_600_000,
    createAdmin: () => fakeAdmin(state),
  });
  await a.refresh();
  await b.refresh();
  assert.equal((await series(registry)).length, 2);
  await a.stop();
  assert.deepEqual(await series(registry), ['klineflow_consumer_lag_messages{group="b",topic="t",partition="0"} 6']);
  await b.stop();
  assert.ok(state.disconnects >= 2, 'each exporter closes its connection');
});

test('against a port with no broker the real kafkajs admin fails each round at once, quietly, without throwing', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const registry = new Registry();
  const warnings: unknown[] = [];
  const written: string[] = [];
  // kafkajs logs to the console (errors to stderr); its silence is part of what is tested.
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((s) => s.write.bind(s));
  streams.forEach((stream, i) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => (
      written.push(String(chunk)),
      writes[i]!(chunk, ...rest)
    )) as typeof stream.write;
  });
  const exporter = startLagExporter({
    brokers: [`127.0.0.1:${port}`],
    groupId: 'g',
    topics: ['t'],
    registry,
    intervalMs: 3_600_000,
    logger: { warn: (m) => warnings.push(m), info: () => undefined },
  });
  try {
    const started = Date.now();
    for (let i = 0; i < 3; i++) assert.equal(await exporter.refresh(), false);
    assert.ok(Date.now() - started < 10_000, 'a round is one attempt, not kafkajs retrying for half a minute');
    assert.equal(warnings.length, 1);
    assert.deepEqual(await series(registry), []);
  } finally {
    streams.forEach((stream, i) => (stream.write = writes[i]!));
    await exporter.stop();
  }
  assert.deepEqual(
    written.filter((l) => /\[(Connection|BrokerPool)\]|"logger":"kafkajs"/.test(l)),
    [],
    'kafkajs itself logs nothing',
  );
});
