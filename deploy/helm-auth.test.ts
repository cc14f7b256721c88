// The chart's credentials (values `auth`, issue 11 part 2): rendered with a Secret of the user's
// (existingSecret) and with chart-managed values, no secret reaches the ConfigMap or any object but
// the chart's Secret, and every app pod, given the files its Secret volume would hold, loads exactly
// the credentials that were set (the pod's ConfigMap and env fed to libs/config as the app does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseConfig, type KlineflowConfig } from '@klineflow/config';
import { RENDER_ARGS, helmPath, run } from './binaries.js';

interface Env {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface SecretSource {
  secret: { name: string; items: Array<{ key: string; path: string }> };
}
interface Volume {
  name: string;
  projected?: { sources: SecretSource[] };
}
interface PodSpec {
  containers: Array<{ env?: Env[] | null; args?: string[]; volumeMounts?: Array<{ name: string; mountPath: string }> }>;
  volumes?: Volume[];
}
interface K8sObject {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { template?: { metadata: { annotations?: Record<string, string> }; spec: PodSpec } };
  data?: Record<string, string>;
}

const MOUNT = '/etc/klineflow-secrets';

function render(values: Record<string, string>): { status: number | null; stderr: string; text: string; objects: K8sObject[] } {
  const result = run(helmPath(), [...RENDER_ARGS, ...Object.entries(values).flatMap(([k, v]) => ['--set-string', `${k}=${v}`])]);
  const objects =
    result.status === 0
      ? parseAllDocuments(result.stdout)
          .map((d) => d.toJS() as K8sObject | null)
          .filter((o) => o !== null)
      : [];
  return { status: result.status, stderr: result.stderr, text: result.stdout, objects };
}

const pods = (objects: K8sObject[]) => objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind));
const apps = (objects: K8sObject[]) => objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

/**
 * The config one app container loads: the ConfigMap's TOML, the container's KLINEFLOW__ env, and the
 * Secret volume's files as `files` (by Secret name and key) would fill them, written to a temporary mount.
 */
function podConfig(objects: K8sObject[], pod: K8sObject, files: (secret: string, key: string) => string): KlineflowConfig {
  const toml = objects.find((o) => o.kind === 'ConfigMap')!.data!['config.toml']!;
  const spec = pod.spec!.template!.spec;
  const dir = mkdtempSync(join(tmpdir(), 'klineflow-secret-volume-'));
  try {
    for (const source of spec.volumes?.find((v) => v.name === 'auth')?.projected?.sources ?? []) {
      for (const item of source.secret.items) writeFileSync(join(dir, item.path), files(source.secret.name, item.key));
    }
    const env = Object.fromEntries(
      (spec.containers[0]!.env ?? [])
        .filter((e) => e.name.startsWith('KLINEFLOW__') && e.value !== undefined)
        .map((e) => [e.name, e.value!.replace(MOUNT, dir)]),
    );
    return parseConfig(toml, env, `${pod.metadata.name}'s ConfigMap and env`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("existingSecret: pods mount the named keys of the user's Secrets, the chart creates none, and each app loads them", () => {
  const { status, stderr, objects } = render({
    'auth.kafka.mechanism': 'scram-sha-256',
    'auth.kafka.username': 'klineflow',
    'auth.kafka.existingSecret': 'kafka-creds',
    'auth.kafka.passwordKey': 'password',
    'auth.redis.username': 'writer',
    'auth.redis.existingSecret': 'redis-creds',
    'auth.redis.passwordKey': 'redis-password',
    'auth.clickhouse.username': 'sink',
    'auth.clickhouse.existingSecret': 'ch-creds',
    'auth.clickhouse.passwordKey': 'pw',
    'auth.clickhouse.caKey': 'ca.crt',
    'config.storage.clickhouse.url': 'https://clickhouse:8443',
  });
  assert.equal(status, 0, stderr);
  assert.deepEqual(
    objects.filter((o) => o.kind === 'Secret'),
    [],
    'no chart-managed Secret',
  );
  const content: Record<string, string> = {
    'kafka-creds/password': 'kafka-pw',
    'redis-creds/redis-password': 'redis-pw',
    'ch-creds/pw': 'ch-pw',
    'ch-creds/ca.crt': '-----BEGIN CERTIFICATE-----',
  };
  for (const pod of apps(objects)) {
    const config = podConfig(objects, pod, (secret, key) => {
      assert.ok(`${secret}/${key}` in content, `${pod.metadata.name} mounts ${secret}/${key}, which was not named`);
      return `${content[`${secret}/${key}`]}\n`;
    });
    assert.deepEqual(config.kafka.sasl, {
      mechanism: 'scram-sha-256',
      username: 'klineflow',
      password: 'kafka-pw',
      password_file: `${config.kafka.sasl.password_file}`,
    });
    assert.equal(config.storage.redis.username, 'writer');
    assert.equal(config.storage.redis.password, 'redis-pw');
    assert.equal(config.storage.clickhouse.username, 'sink');
    assert.equal(config.storage.clickhouse.password, 'ch-pw');
    assert.match(config.storage.clickhouse.ca_file, /clickhouse-ca\.pem$/);
  }
  // The topics Job needs only Kafka's.
  const job = objects.find((o) => o.kind === 'Job')!;
  const sources = job.spec!.template!.spec.volumes!.find((v) => v.name === 'auth')!.projected!.sources;
  assert.deepEqual(
    sources.map((s) => s.secret.name),
    ['kafka-creds'],
  );
  assert.match(
    job.spec!.template!.spec.containers[0]!.args![0]!,
    /security\.protocol=SASL_PLAINTEXT[\s\S]*sasl\.mechanism=SCRAM-SHA-256[\s\S]*--command-config \/tmp\/client\.properties/,
  );
});

test("chart-managed: the passwords are in the chart's Secret only, never in the ConfigMap or a pod spec, and a change rolls the pods", () => {
  const secrets = { kafka: 'kafka-5ecret-value', redis: 'redis-5ecret-value', clickhouse: 'ch-5ecret-value' };
  const values = {
    'auth.kafka.mechanism': 'scram-sha-512',
    'auth.kafka.username': 'klineflow',
    'auth.kafka.password': secrets.kafka,
    'auth.redis.password': secrets.redis,
    'auth.clickhouse.password': secrets.clickhouse,
  };
  const { status, stderr, text, objects } = render(values);
  assert.equal(status, 0, stderr);
  const secret = objects.find((o) => o.kind === 'Secret')!;
  assert.equal(secret.metadata.name, 'klineflow-auth');
  const stored: Record<string, string> = Object.fromEntries(
    Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
  );
  assert.deepEqual(
    { ...stored },
    { 'kafka-password': secrets.kafka, 'redis-password': secrets.redis, 'clickhouse-password': secrets.clickhouse },
  );

  // Nowhere else, in clear or in base64: the Secret's document is the only one that may hold them.
  const others = text
    .split(/^---$/m)
    .filter((doc) => !/^kind: Secret$/m.test(doc))
    .join('\n');
  for (const value of Object.values(secrets)) {
    assert.ok(!others.includes(value) && !others.includes(Buffer.from(value).toString('base64')), `${value} outside the Secret`);
  }
  assert.ok(
    objects.some((o) => o.kind === 'ConfigMap'),
    'the ConfigMap was rendered (and checked above)',
  );

  for (const pod of apps(objects)) {
    const config = podConfig(objects, pod, (name, key) => {
      assert.equal(name, 'klineflow-auth');
      return stored[key]!;
    });
    assert.equal(config.kafka.sasl.password, secrets.kafka);
    assert.equal(config.kafka.sasl.mechanism, 'scram-sha-512');
    assert.equal(config.storage.redis.password, secrets.redis);
    assert.equal(config.storage.redis.username, '', 'no ACL user: the requirepass user');
    assert.equal(config.storage.clickhouse.password, secrets.clickhouse);
    assert.equal(config.storage.clickhouse.username, 'default', "the config's user when none is given");
  }
  const checksums = (objects: K8sObject[]) => apps(objects).map((o) => o.spec!.template!.metadata.annotations?.['checksum/auth']);
  const before = checksums(objects);
  assert.ok(
    before.every((c) => c && c === before[0]),
    "every app pod carries the Secret's checksum",
  );
  const after = checksums(render({ ...values, 'auth.redis.password': 'rotated' }).objects);
  assert.ok(
    after.every((c) => c && c !== before[0]),
    'a new password changes the pod template, so the pods restart and read it',
  );
});

test('without auth no Secret, volume or credential env is rendered', () => {
  const { status, stderr, objects } = render({});
  assert.equal(status, 0, stderr);
  assert.deepEqual(
    objects.filter((o) => o.kind === 'Secret'),
    [],
  );
  for (const pod of pods(objects)) {
    const spec = pod.spec!.template!.spec;
    assert.equal(
      spec.volumes?.find((v) => v.name === 'auth'),
      undefined,
      `${pod.metadata.name} has no auth volume`,
    );
    assert.deepEqual(
      (spec.containers[0]!.env ?? []).filter((e) => /SASL|PASSWORD|CA_FILE/.test(e.name)),
      [],
    );
  }
});

test('auth values that cannot work fail the render naming the key and the fix', () => {
  const refuse = (values: Record<string, string>, expected: RegExp) => {
    const { status, stderr } = render(values);
    assert.notEqual(status, 0, `rendered ${JSON.stringify(values)}`);
    assert.match(stderr, expected);
  };
  refuse(
    { 'auth.redis.password': 'x', 'auth.redis.existingSecret': 'r', 'auth.redis.passwordKey': 'pw' },
    /auth\.redis: password and existingSecret are both set: keep one/,
  );
  refuse({ 'auth.redis.existingSecret': 'r' }, /auth\.redis\.passwordKey: name the key of auth\.redis\.existingSecret/);
  refuse({ 'auth.kafka.password': 'x' }, /auth\.kafka\.mechanism: a Kafka password is set: set scram-sha-256 or scram-sha-512/);
  refuse({ 'auth.kafka.mechanism': 'scram-sha-512' }, /auth\.kafka\.mechanism: SASL needs a password/);
  refuse({ 'auth.redis.ca': 'PEM' }, /auth\.redis: a CA is set but redis does not use TLS: use a rediss:\/\/ config\.storage\.redis\.url/);
  refuse(
    { 'config.storage.clickhouse.password': 'x' },
    /config: a clickhouse password would sit in the ConfigMap: set auth\.clickhouse\.existingSecret/,
  );
  refuse({ 'config.kafka.sasl.password': 'x' }, /config: a kafka password would sit in the ConfigMap/);
  refuse(
    { 'auth.kafka.mechanism': 'scram-sha-1' },
    /auth\/kafka\/mechanism'?: value must be one of 'none', 'scram-sha-256', 'scram-sha-512'/,
  );
});
