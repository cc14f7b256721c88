// The chart's topics Job against a Kafka that requires SASL/SCRAM: its rendered script, run as the
// pod would run it (the Secret's file in place of the mounted volume, Kafka's own TopicCommand from
// the stack's jars in place of the image's kafka-topics.sh), creates every topic on a private
// SASL_PLAINTEXT broker with the chart-managed password, and fails on a wrong one.
// Needs what `bash tools/stack/stack.sh install` installs (Java, the Kafka jars) and helm.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfig } from '@klineflow/config';
import { ALL_TOPICS, createKafka } from '@klineflow/kafka';
import { KAFKA_CLASSPATH, startScramKafka, type PrivateServer } from '@klineflow/test-support';
import { RENDER_ARGS, helmPath, run } from './binaries.js';

const USER = { username: 'klineflow', password: `topics-${process.pid}-${Date.now()}` };
const dir = mkdtempSync(join(tmpdir(), 'klineflow-topics-job-'));
let kafka: PrivateServer;

before(async () => {
  kafka = await startScramKafka(dir, [USER]);
});
after(async () => {
  await kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Rendered {
  kind: string;
  data?: Record<string, string>;
  spec?: { template?: { spec: { containers: Array<{ args: string[] }> } } };
}

/** The Job's shell script and the chart Secret's files, rendered for the private broker. */
function renderJob(): { script: string; files: Record<string, string> } {
  const result = run(helmPath(), [
    ...RENDER_ARGS,
    '--set-string',
    `config.kafka.brokers[0]=${kafka.address}`,
    '--set',
    'topics.replicationFactor=1',
    '--set',
    'config.kafka.partitions=2',
    '--set',
    'auth.kafka.mechanism=scram-sha-512',
    '--set-string',
    `auth.kafka.username=${USER.username}`,
    '--set-string',
    `auth.kafka.password=${USER.password}`,
  ]);
  assert.equal(result.status, 0, result.stderr);
  const objects = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Rendered | null)
    .filter((o) => o !== null);
  const secret = objects.find((o) => o.kind === 'Secret')!;
  const files = Object.fromEntries(Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  return { script: objects.find((o) => o.kind === 'Job')!.spec!.template!.spec.containers[0]!.args[0]!, files };
}

/** Runs the script with a `password` file where the Secret volume would be; output is stdout and stderr (TopicCommand reports on stdout). */
function runJob(script: string, password: string): { status: number | null; output: string } {
  const work = mkdtempSync(join(dir, 'pod-'));
  mkdirSync(join(work, 'secrets'));
  writeFileSync(join(work, 'secrets', 'kafka-password'), password);
  const topicsSh = join(work, 'kafka-topics.sh');
  writeFileSync(topicsSh, `#!/bin/sh\nexec java -Xmx128m -cp '${KAFKA_CLASSPATH}' org.apache.kafka.tools.TopicCommand "$@"\n`);
  chmodSync(topicsSh, 0o755);
  const local = script
    .replaceAll('/opt/kafka/bin/kafka-topics.sh', topicsSh)
    .replaceAll('/etc/klineflow-secrets', join(work, 'secrets'))
    .replaceAll('/tmp/client.properties', join(work, 'client.properties'));
  const result = spawnSync('/bin/sh', ['-ec', local], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

test(
  'the topics Job creates every topic over SASL/SCRAM with the chart-managed password, and stops on a wrong one',
  { timeout: 300_000 },
  async () => {
    const { script, files } = renderJob();
    assert.equal(files['kafka-password'], USER.password);

    const refused = runJob(script, 'not-the-password');
    assert.notEqual(refused.status, 0);
    assert.match(refused.output, /SaslAuthenticationException|Authentication failed/);

    const done = runJob(script, files['kafka-password']!);
    assert.equal(done.status, 0, done.output);
    const config = parseConfig('', {
      KLINEFLOW__KAFKA__BROKERS: kafka.address,
      KLINEFLOW__KAFKA__SASL__MECHANISM: 'scram-sha-512',
      KLINEFLOW__KAFKA__SASL__USERNAME: USER.username,
      KLINEFLOW__KAFKA__SASL__PASSWORD: USER.password,
    });
    const admin = createKafka(config.kafka, 'topics-job-test').admin();
    await admin.connect();
    try {
      const topics = new Set(await admin.listTopics());
      assert.deepEqual(
        ALL_TOPICS.map((t) => t.topic).filter((t) => !topics.has(t)),
        [],
        'every topic klineflow uses exists',
      );
      const [state] = await admin
        .describeConfigs({ resources: [{ type: 2, name: 'normalizer-state', configNames: ['cleanup.policy'] }], includeSynonyms: false })
        .then((r) => r.resources);
      assert.equal(state!.configEntries[0]!.configValue, 'compact');
    } finally {
      await admin.disconnect();
    }
  },
);
