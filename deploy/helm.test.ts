import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '@klineflow/config';
import { ALL_TOPICS } from '@klineflow/kafka';
import { CHART_DIR, RENDER_ARGS, helmPath, run } from './binaries.js';
import { DEPLOYABLE_APPS } from './services.js';

interface Probe {
  httpGet?: { path: string; port: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}
interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name: string; containerPort: number }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodTemplate {
  metadata: { annotations?: Record<string, string> };
  spec: { terminationGracePeriodSeconds?: number; containers: Container[]; securityContext?: { runAsNonRoot?: boolean } };
}
interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { replicas?: number; serviceName?: string; clusterIP?: string; template?: PodTemplate; jobLabel?: string };
  data?: Record<string, string>;
}

function render(...setArgs: string[]): { status: number | null; manifests: Manifest[]; stderr: string } {
  const result = run(helmPath(), [...RENDER_ARGS, ...setArgs.flatMap((s) => ['--set', s])]);
  const manifests =
    result.status === 0
      ? parseAllDocuments(result.stdout)
          .map((d) => d.toJS() as Manifest)
          .filter(Boolean)
      : [];
  return { status: result.status, manifests, stderr: result.stderr };
}

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const component = (m: Manifest) => m.metadata.labels?.['app.kubernetes.io/component'];
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);
const INGEST_APPS = DEPLOYABLE_APPS.filter((a) => a.role === 'ingest');
const CONSUMER_APPS = DEPLOYABLE_APPS.filter((a) => a.role === 'normalizer' || a.role === 'sink');

test('helm lint passes', () => {
  const result = run(helmPath(), ['lint', CHART_DIR, '--strict', '--kube-version', '1.30.0']);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test('one StatefulSet per ingest app, each sharded by its pod ordinal over its replica count', () => {
  const { status, manifests, stderr } = render();
  assert.equal(status, 0, stderr);
  const statefulSets = byKind(manifests, 'StatefulSet');
  assert.deepEqual(statefulSets.map(component).sort(), INGEST_APPS.map((a) => a.app).sort());
  for (const set of statefulSets) {
    const headless = byKind(manifests, 'Service').find((s) => s.metadata.name === set.spec?.serviceName);
    assert.equal(headless?.spec?.clusterIP, 'None', `${set.metadata.name} has a headless service`);
    const container = set.spec!.template!.spec.containers[0]!;
    assert.equal(envOf(container, 'KLINEFLOW__INGEST__SHARD_COUNT')?.value, String(set.spec!.replicas));
    assert.equal(envOf(container, 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
    assert.match(container.args!.join(' '), /KLINEFLOW__INGEST__SHARD_INDEX="\$\{POD_NAME##\*-\}"/);
  }
});

test('the ingest start command turns the pod name into the shard index and execs the app', () => {
  const { manifests } = render();
  const set = byKind(manifests, 'StatefulSet').find((s) => component(s) === 'ingest-binance')!;
  const container = set.spec!.template!.spec.containers[0]!;
  const bin = mkdtempSync(join(tmpdir(), 'klineflow-fake-node-'));
  try {
    // A stand-in for node that reports what the real one would have been given.
    writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "shard=$KLINEFLOW__INGEST__SHARD_INDEX/$KLINEFLOW__INGEST__SHARD_COUNT args=$*"\n');
    chmodSync(join(bin, 'node'), 0o755);
    const [shell, ...shellArgs] = [...container.command!, ...container.args!];
    const env = { PATH: `${bin}:/usr/bin:/bin`, POD_NAME: 'my-release-klineflow-ingest-binance-12', KLINEFLOW__INGEST__SHARD_COUNT: '13' };
    const result = spawnSync(shell!, shellArgs, { env, encoding: 'utf8' });
    assert.equal(result.stdout.trim(), 'shard=12/13 args=dist/apps/ingest-binance/main.js --config /etc/klineflow/config.toml');
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test('normalizer, redis-writer and clickhouse-sink run as Deployments', () => {
  const { manifests } = render();
  assert.deepEqual(byKind(manifests, 'Deployment').map(component).sort(), CONSUMER_APPS.map((a) => a.app).sort());
});

test('every workload probes /livez, /readyz and start-up on its configured metrics port, is bounded, non-root and has time to flush', () => {
  const { manifests } = render();
  const workloads = [...byKind(manifests, 'StatefulSet'), ...byKind(manifests, 'Deployment')];
  assert.equal(workloads.length, INGEST_APPS.length + CONSUMER_APPS.length);
  for (const workload of workloads) {
    const app = DEPLOYABLE_APPS.find((a) => a.app === component(workload))!;
    const pod = workload.spec!.template!;
    const container = pod.spec.containers[0]!;
    assert.deepEqual(container.ports, [{ name: 'metrics', containerPort: app.defaultPort }], app.app);
    assert.deepEqual(container.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' }, app.app);
    assert.deepEqual(container.livenessProbe?.httpGet, { path: '/livez', port: 'metrics' }, app.app);
    assert.deepEqual(container.startupProbe?.httpGet, { path: '/livez', port: 'metrics' }, app.app);
    assert.ok(container.resources?.requests?.cpu && container.resources.limits?.memory, `${app.app} resources`);
    assert.ok((pod.spec.terminationGracePeriodSeconds ?? 0) >= 30, `${app.app} grace period`);
    assert.equal(pod.spec.securityContext?.runAsNonRoot, true, app.app);
    assert.ok([...(container.command ?? []), ...(container.args ?? [])].join(' ').includes(`dist/apps/${app.app}/main.js`), app.app);
    assert.equal(pod.metadata.annotations?.['prometheus.io/port'], String(app.defaultPort), app.app);
  }
});

test('liveness never restarts a pod during a dependency outage; start-up has its own generous budget', () => {
  const { manifests } = render();
  const values = parse(readFileSync(`${CHART_DIR}/values.yaml`, 'utf8')) as { probes: Record<string, object> };
  for (const workload of [...byKind(manifests, 'StatefulSet'), ...byKind(manifests, 'Deployment')]) {
    const container = workload.spec!.template!.spec.containers[0]!;
    const { startupProbe: startup, livenessProbe: liveness, readinessProbe: readiness } = container;
    assert.notEqual(liveness?.httpGet?.path, readiness?.httpGet?.path, `${component(workload)}: liveness is not readiness`);
    // The startup probe stands in for an initial delay: liveness starts only after it passed.
    assert.equal(liveness?.initialDelaySeconds, undefined);
    const startupBudget = (startup?.periodSeconds ?? 10) * (startup?.failureThreshold ?? 3);
    assert.ok(startupBudget >= 60, `${component(workload)}: ${startupBudget} s to start`);
  }
  assert.deepEqual(Object.keys(values.probes).sort(), ['liveness', 'readiness', 'startup']);
});

test('the ConfigMap holds a TOML config that the services accept, with integers kept integers', () => {
  const { manifests } = render('config.websocket.binance.symbols={BTCUSDT,ETHUSDT}');
  const toml = byKind(manifests, 'ConfigMap')[0]!.data!['config.toml']!;
  assert.doesNotMatch(toml, /= \d+\.0$/m);
  const config = parseConfig(toml, { KLINEFLOW__INGEST__SHARD_INDEX: '1', KLINEFLOW__INGEST__SHARD_COUNT: '2' }, 'chart ConfigMap');
  assert.deepEqual(config.websocket.binance?.symbols, ['BTCUSDT', 'ETHUSDT']);
  assert.deepEqual(config.kafka.brokers, ['kafka:9092']);
  assert.equal(config.storage.clickhouse.batch_size, 20_000);
  assert.deepEqual(config.ingest, { shard_index: 1, shard_count: 2 });
});

test('a config change rolls the pods through the checksum annotation', () => {
  const checksum = (manifests: Manifest[]) => byKind(manifests, 'Deployment')[0]!.spec!.template!.metadata.annotations!['checksum/config'];
  assert.notEqual(checksum(render().manifests), checksum(render('config.log.level=debug').manifests));
});

test('replicas, exchanges and monitoring follow the values', () => {
  const { manifests } = render('ingest.binance.replicas=3', 'ingest.okx.enabled=false', 'metrics.podMonitor.enabled=true');
  const binance = byKind(manifests, 'StatefulSet').find((s) => component(s) === 'ingest-binance')!;
  assert.equal(binance.spec!.replicas, 3);
  assert.equal(envOf(binance.spec!.template!.spec.containers[0]!, 'KLINEFLOW__INGEST__SHARD_COUNT')?.value, '3');
  assert.ok(!manifests.some((m) => component(m) === 'ingest-okx'), 'disabled exchange renders nothing');
  assert.equal(byKind(manifests, 'PodMonitor')[0]?.spec?.jobLabel, 'app.kubernetes.io/component');
  assert.equal(byKind(render().manifests, 'PodMonitor').length, 0, 'PodMonitor is opt-in');
});

test('more consumers than partitions is refused with a message naming the values', () => {
  const { status, stderr } = render('consumers.normalizer.replicas=7', 'config.kafka.partitions=6');
  assert.notEqual(status, 0);
  assert.match(stderr, /consumers\.normalizer\.replicas \(7\) exceeds config\.kafka\.partitions \(6\)/);
});

test('the topics job creates exactly the topics of libs/kafka, compacting the compacted ones', () => {
  const { manifests } = render();
  const job = byKind(manifests, 'Job')[0]!;
  const script = job.spec!.template!.spec.containers[0]!.args!.join('\n');
  const created = [...script.matchAll(/--topic (\S+)[^\n]*/g)].map((m) => ({
    topic: m[1]!,
    compacted: m[0].includes('cleanup.policy=compact'),
  }));
  assert.deepEqual(
    created.sort((a, b) => a.topic.localeCompare(b.topic)),
    ALL_TOPICS.map((t) => ({ topic: t.topic, compacted: t.compacted === true })).sort((a, b) => a.topic.localeCompare(b.topic)),
  );
});

test('values.yaml and values.schema.json have an entry for every app of the catalogue, at its default metrics port', () => {
  interface PortsSchema {
    properties: Record<string, unknown>;
  }
  const values = parse(readFileSync(`${CHART_DIR}/values.yaml`, 'utf8')) as {
    ingest: Record<string, { image: { repository: string } }>;
    consumers: Record<string, { image: { repository: string } }>;
    config: { metrics: { ports: Record<string, number> } };
  };
  const schema = JSON.parse(readFileSync(`${CHART_DIR}/values.schema.json`, 'utf8')) as {
    properties: {
      ingest: PortsSchema;
      consumers: PortsSchema;
      config: { properties: { metrics: { properties: { ports: PortsSchema } } } };
    };
  };
  for (const { app, exchange } of INGEST_APPS) {
    assert.equal(
      values.ingest[exchange!]?.image.repository,
      `klineflow/${app}`,
      `values.yaml: ingest.${exchange}.image.repository: klineflow/${app}`,
    );
  }
  assert.deepEqual(
    Object.keys(values.ingest).sort(),
    INGEST_APPS.map((a) => a.exchange).sort(),
    'values.yaml: ingest.<exchange> for exactly the ingest apps',
  );
  assert.deepEqual(
    Object.keys(schema.properties.ingest.properties).sort(),
    Object.keys(values.ingest).sort(),
    'values.schema.json: properties.ingest',
  );
  for (const { app } of CONSUMER_APPS)
    assert.equal(values.consumers[app]?.image.repository, `klineflow/${app}`, `values.yaml: consumers.${app}.image.repository`);
  assert.deepEqual(
    Object.keys(values.consumers).sort(),
    CONSUMER_APPS.map((a) => a.app).sort(),
    'values.yaml: consumers.<app> for exactly the consumers',
  );
  assert.deepEqual(
    Object.keys(schema.properties.consumers.properties).sort(),
    Object.keys(values.consumers).sort(),
    'values.schema.json: properties.consumers',
  );
  const ports = Object.fromEntries(DEPLOYABLE_APPS.map((a) => [a.portKey, a.defaultPort]));
  assert.deepEqual(values.config.metrics.ports, ports, 'values.yaml: config.metrics.ports');
  assert.deepEqual(
    Object.keys(schema.properties.config.properties.metrics.properties.ports.properties).sort(),
    Object.keys(ports).sort(),
    'values.schema.json: config.metrics.ports',
  );
});
