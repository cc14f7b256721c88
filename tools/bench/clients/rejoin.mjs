// How long a consumer killed with SIGKILL and started again takes to hold its partitions again
// (issue 12): one member of a fresh group on a 6-partition topic, killed once it holds all six; a
// new process with the same settings is started at once. Measured: from the kill to the new
// process reporting all six partitions (rejoin-member.mjs polls its assignment every 10 ms).
//   node tools/bench/clients/rejoin.mjs [--clients-dir /tmp/kafka-clients] [--brokers 127.0.0.1:9092]
//     [--cases kafkajs:classic,platformatic:classic,platformatic:classic:static,platformatic:consumer,...] [--repeat 1]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}
const here = dirname(fileURLToPath(import.meta.url));
const clientsDir = arg('clients-dir', '/tmp/kafka-clients');
const brokers = arg('brokers', '127.0.0.1:9092');
const repeat = Number(arg('repeat', '1'));
const cases = arg(
  'cases',
  [
    'kafkajs:classic',
    'platformatic:classic',
    'platformatic:classic:static',
    'platformatic:consumer',
    'platformatic:consumer:static',
    'rdkafka:classic',
    'rdkafka:classic:static',
    'rdkafka:consumer',
    'rdkafka:consumer:static',
  ].join(','),
).split(',');
const TOPIC = 'bench-clients-rejoin';
const PARTITIONS = 6;
/** Longest wait for a member to hold every partition: past the broker's 45 s KIP-848 session. */
const WAIT_MS = 90_000;

const require = createRequire(join(clientsDir, 'package.json'));
const { Kafka, logLevel } = require('kafkajs');
const admin = new Kafka({ clientId: 'bench-rejoin-admin', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
await admin.connect();
if (!(await admin.listTopics()).includes(TOPIC)) {
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
}

function member(client, protocol, instanceId, group) {
  const args = [
    join(here, 'rejoin-member.mjs'),
    '--client',
    client,
    '--protocol',
    protocol,
    '--group',
    group,
    '--topic',
    TOPIC,
    '--clients-dir',
    clientsDir,
    '--brokers',
    brokers,
    ...(instanceId ? ['--instance-id', instanceId] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  let buffer = '';
  const listeners = [];
  child.stdout.on('data', (chunk) => {
    buffer += chunk.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      for (const l of listeners) l(line);
    }
  });
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const until = (predicate) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${client}:${protocol} did not get all partitions in ${WAIT_MS} ms; member stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
            ),
          ),
        WAIT_MS,
      );
      listeners.push((line) => {
        if (predicate(line)) {
          clearTimeout(timer);
          resolve(line);
        }
      });
    });
  return { child, until, exited };
}

const results = [];
for (let i = 0; i < repeat; i++) {
  for (const c of cases) {
    const [client, protocol, staticFlag] = c.split(':');
    const group = `bench-clients-rejoin-${client}-${protocol}-${staticFlag ?? 'dynamic'}-${Date.now()}`;
    const instanceId = staticFlag ? 'bench-member-0' : undefined;
    const first = member(client, protocol, instanceId, group);
    try {
      const joinedAt = Date.now();
      await first.until((l) => l.partitions === PARTITIONS);
      const firstJoin = Date.now() - joinedAt;
      await new Promise((r) => setTimeout(r, 3_000));
      const killedAt = Date.now();
      first.child.kill('SIGKILL');
      const second = member(client, protocol, instanceId, group);
      try {
        const started = await second.until((l) => l.started);
        const held = await second.until((l) => l.partitions === PARTITIONS);
        const result = { case: c, firstJoinMs: firstJoin, restoreMs: held.at - killedAt, processStartMs: started.started - killedAt };
        results.push(result);
        console.log(JSON.stringify(result));
      } finally {
        second.child.kill('SIGTERM');
        await Promise.race([second.exited, new Promise((r) => setTimeout(r, 10_000))]);
        second.child.kill('SIGKILL');
      }
    } catch (error) {
      results.push({ case: c, error: error.message });
      // (first may hold its partitions still; killed below)
      console.log(JSON.stringify({ case: c, error: error.message }));
      first.child.kill('SIGKILL');
    }
    // Best effort and bounded: a group whose static member is still registered cannot be deleted yet.
    await Promise.race([admin.deleteGroups([group]).catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
  }
}
await admin.disconnect();
console.table(results);
