// Issue 11 part 3: the chart's ServiceAccount, PodDisruptionBudgets, NetworkPolicies and values schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHART_DIR, helmPath, run } from './binaries.js';
import { type ChartObject, componentOf, ofKind, renderChart, selects } from './chart.js';
import { manifestErrors } from './kube-schema.js';
import { PIPELINE_APPS } from './services.js';

const DEPLOYED = PIPELINE_APPS.map((a) => a.app).sort();
const workloads = (objects: ChartObject[]) => [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')];
const podLabels = (w: ChartObject) => w.spec!.template!.metadata.labels;

test('with every optional object switched on, the chart passes strict Kubernetes schema validation', async () => {
  const all = renderChart(
    'autoscaling.enabled=true',
    'metrics.podMonitor.enabled=true',
    'metrics.prometheusRule.enabled=true',
    'metrics.grafanaDashboard.enabled=true',
    'config.tracing.enabled=true',
    'ingest.binance.replicas=3',
    'ingest.binance.previousReplicas=2',
  );
  assert.equal(all.status, 0, all.stderr);
  const kinds = new Set(all.objects.map((o) => o.kind));
  for (const kind of ['ServiceAccount', 'PodDisruptionBudget', 'NetworkPolicy', 'ScaledObject', 'PrometheusRule', 'PodMonitor'])
    assert.ok(kinds.has(kind), kind);
  assert.deepEqual(await manifestErrors(all.stdout), []);
});

test('every app pod runs as the chart ServiceAccount without a token; no pod of the chart mounts one', () => {
  const { objects } = renderChart();
  const [account] = ofKind(objects, 'ServiceAccount');
  assert.equal(account?.automountServiceAccountToken, false);
  assert.deepEqual(workloads(objects).map(componentOf).sort(), DEPLOYED);
  for (const w of workloads(objects)) {
    assert.equal(w.spec!.template!.spec.serviceAccountName, account.metadata.name, w.metadata.name);
    assert.equal(w.spec!.template!.spec.automountServiceAccountToken, false, w.metadata.name);
  }
  // The topics hook runs before the ServiceAccount exists (values.yaml), so it keeps the default one, tokenless.
  assert.equal(ofKind(objects, 'Job')[0]!.spec!.template!.spec.automountServiceAccountToken, false);
  const existing = renderChart('serviceAccount.create=false', 'serviceAccount.name=shared');
  assert.equal(ofKind(existing.objects, 'ServiceAccount').length, 0);
  assert.ok(workloads(existing.objects).every((w) => w.spec!.template!.spec.serviceAccountName === 'shared'));
});

test('each app has one PodDisruptionBudget, selecting its pods of every shard generation and no other app', () => {
  const { objects } = renderChart('ingest.binance.replicas=3', 'ingest.binance.previousReplicas=2');
  const budgets = ofKind(objects, 'PodDisruptionBudget');
  assert.deepEqual(budgets.map(componentOf).sort(), DEPLOYED);
  for (const w of workloads(objects)) {
    const covering = budgets.filter((b) => selects(b.spec!.selector?.matchLabels, podLabels(w)));
    assert.deepEqual(covering.map(componentOf), [componentOf(w)], w.metadata.name);
    assert.equal(covering[0]!.spec!['maxUnavailable'], 1);
  }
  assert.equal(ofKind(objects, 'StatefulSet').filter((s) => componentOf(s) === 'ingest-binance').length, 2, 'both generations');
  assert.equal(ofKind(renderChart('podDisruptionBudget.enabled=false').objects, 'PodDisruptionBudget').length, 0);
});

interface PolicyRule {
  ports: { protocol: string; port: number }[];
  to?: object[];
  from?: object[];
}
const tcpPorts = (rules: PolicyRule[] | undefined) =>
  (rules ?? []).flatMap((r) => r.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port)).sort((a, b) => a - b);

test('network policies: ingress only to the metrics port from config, egress only to DNS and what each app talks to', () => {
  // Non-default ports everywhere, so that each port below can only have come from config.
  const { objects } = renderChart(
    'config.metrics.ports.normalizer=19404',
    'config.metrics.ports.ingest_binance=19401',
    'config.kafka.brokers={k1:19092,k2:19093}',
    'config.storage.redis.url=rediss://r:16379/0',
    'config.storage.clickhouse.url=https://ch',
    'config.websocket.huobi.url=wss://api.huobi.pro:7443/ws',
    'config.tracing.enabled=true',
    'config.tracing.otlp_endpoint=http://otel:14318/v1/traces',
    'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.team=monitoring',
  );
  const policies = ofKind(objects, 'NetworkPolicy');
  assert.deepEqual(policies.map(componentOf).sort(), DEPLOYED);
  const expectedEgress: Record<string, number[]> = {
    'ingest-binance': [443, 9443],
    'ingest-okx': [8443],
    'ingest-huobi': [7443],
    'ingest-bybit': [443],
    normalizer: [],
    'redis-writer': [16379],
    'clickhouse-sink': [443],
  };
  for (const w of workloads(objects)) {
    const app = componentOf(w)!;
    const [policy, ...others] = policies.filter((p) =>
      selects((p.spec!['podSelector'] as { matchLabels: Record<string, string> }).matchLabels, podLabels(w)),
    );
    assert.equal(others.length, 0, `${app}: one policy`);
    assert.equal(componentOf(policy!), app);
    assert.deepEqual(policy!.spec!['policyTypes'], ['Ingress', 'Egress']);
    const ingress = policy!.spec!['ingress'] as PolicyRule[];
    assert.deepEqual(
      tcpPorts(ingress),
      w.spec!.template!.spec.containers[0]!.ports!.map((p) => p.containerPort),
      `${app}: ingress = its metrics port`,
    );
    assert.deepEqual(ingress[0]!.from, [{ namespaceSelector: { matchLabels: { team: 'monitoring' } } }]);
    const egress = policy!.spec!['egress'] as PolicyRule[];
    const dns = egress.find((r) => r.ports.some((p) => p.protocol === 'UDP'))!;
    assert.deepEqual(dns.ports, [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    const expected = [19092, 19093, 14318, ...expectedEgress[app]!].sort((a, b) => a - b);
    assert.deepEqual(tcpPorts(egress.filter((r) => r !== dns)), expected, `${app}: egress`);
  }
  assert.equal(ofKind(renderChart('networkPolicy.enabled=false').objects, 'NetworkPolicy').length, 0);
});

test('the exchanges egress goes to the configured CIDRs, the stores to the configured peers', () => {
  const { objects } = renderChart(
    'networkPolicy.egress.exchanges[0].ipBlock.cidr=203.0.113.0/24',
    'networkPolicy.egress.redis[0].podSelector.matchLabels.app=redis',
  );
  const egressOf = (app: string) => ofKind(objects, 'NetworkPolicy').find((p) => componentOf(p) === app)!.spec!['egress'] as PolicyRule[];
  assert.deepEqual(egressOf('ingest-binance').find((r) => r.ports.some((p) => p.port === 9443))!.to, [
    { ipBlock: { cidr: '203.0.113.0/24' } },
  ]);
  assert.deepEqual(egressOf('redis-writer').find((r) => r.ports.some((p) => p.port === 6379))!.to, [
    { podSelector: { matchLabels: { app: 'redis' } } },
  ]);
});

test('helm lint --strict refuses values that break the schema, naming the value', () => {
  const lint = (...sets: string[]) =>
    run(helmPath(), ['lint', CHART_DIR, '--strict', '--kube-version', '1.30.0', ...sets.flatMap((s) => ['--set', s])]);
  const cases: [string, RegExp][] = [
    ['consumers.normalizer.replicas=two', /\/consumers\/normalizer\/replicas': got string, want integer/],
    ['podDisruptionBudgets.enabled=true', /additional properties 'podDisruptionBudgets' not allowed/],
    ['podDisruptionBudget.maxUnavailable=0', /\/podDisruptionBudget\/maxUnavailable/],
    ['config.kafka.partitions=0', /\/config\/kafka\/partitions': minimum/],
    ['config.metrics.ports.normalizer=70000', /\/config\/metrics\/ports\/normalizer': maximum/],
    ['config.storage.redis.url=redis', /\/config\/storage\/redis\/url/],
    ['autoscaling.lagThreshold=-5', /\/autoscaling\/lagThreshold': minimum/],
    ['image.pullPolicy=Sometimes', /\/image\/pullPolicy/],
  ];
  for (const [set, message] of cases) {
    const result = lint(set);
    assert.notEqual(result.status, 0, `${set} accepted`);
    assert.match(result.stdout + result.stderr, message, set);
  }
  assert.equal(renderChart('image.pullPolicy=Sometimes').status === 0, false, 'helm template and install check the schema too');
});
