import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { LATENCY_BUCKETS, METRICS } from '@klineflow/observability';
import { promtoolPath, run } from './binaries.js';
import { promqlProblems } from './promql.js';

const DIR = 'deploy/prometheus';

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}
interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}

const rules = (parse(readFileSync(`${DIR}/alerts.yml`, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const unitTests = parse(readFileSync(`${DIR}/alerts.test.yml`, 'utf8')) as { tests: { alert_rule_test: AlertTest[] }[] };

test('promtool accepts the alert rules and the scrape config', () => {
  const promtool = promtoolPath();
  const rulesCheck = run(promtool, ['check', 'rules', 'alerts.yml'], DIR);
  assert.equal(rulesCheck.status, 0, rulesCheck.stdout + rulesCheck.stderr);
  const configCheck = run(promtool, ['check', 'config', 'prometheus.yml'], DIR);
  assert.equal(configCheck.status, 0, configCheck.stdout + configCheck.stderr);
});

test('the alert unit tests pass under promtool', () => {
  const result = run(promtoolPath(), ['test', 'rules', 'alerts.test.yml'], DIR);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test('every alert has a unit test in which it fires', () => {
  const firing = new Set(unitTests.tests.flatMap((t) => t.alert_rule_test.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname)));
  const untested = rules.filter((r) => r.alert && !firing.has(r.alert)).map((r) => r.alert);
  assert.deepEqual(untested, []);
});

test('every alert carries a severity that routes: critical or warning', () => {
  for (const rule of rules.filter((r) => r.alert)) assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, rule.alert);
});

test('alert expressions use only catalogued metrics and their labels', () => {
  const problems = rules.flatMap((r) => promqlProblems(r.expr).map((p) => `${r.alert}: ${p}`));
  assert.deepEqual(problems, []);
  assert.ok(
    rules.every((r) => /klineflow_|\bup\{/.test(r.expr)),
    'each rule queries klineflow metrics or up',
  );
});

test('the alert on unscrapable services and the scrape config agree on job names', () => {
  const config = parse(readFileSync(`${DIR}/prometheus.yml`, 'utf8')) as { scrape_configs: { job_name: string }[] };
  const jobs = config.scrape_configs.map((c) => c.job_name);
  const serviceDown = rules.find((r) => r.alert === 'KlineflowServiceDown');
  const watched = /job=~"([^"]+)"/.exec(serviceDown?.expr ?? '')?.[1]?.split('|') ?? [];
  assert.ok(watched.length > 0, 'KlineflowServiceDown selects jobs by name');
  for (const job of watched) assert.ok(jobs.includes(job), `job ${job} is not scraped by prometheus.yml`);
});

test('latency alerts compare against a bucket edge of the histograms they read', () => {
  // Histograms built with the default LATENCY_BUCKETS (reconnect durations have buckets of their own).
  const defaultBuckets = [METRICS.processingLatency, METRICS.exchangeLatency, METRICS.sinkBatchDuration].map((m) => `${m.name}_bucket`);
  const checked = rules.filter((r) => defaultBuckets.some((name) => r.expr.includes(name)) && /histogram_quantile/.test(r.expr));
  assert.ok(checked.length >= 2, 'the processing and exchange latency alerts are found');
  for (const rule of checked) {
    const threshold = Number(/>\s*([0-9.]+)\s*$/.exec(rule.expr.trim())?.[1]);
    assert.ok(LATENCY_BUCKETS.includes(threshold), `${rule.alert}: threshold ${threshold} s is not one of LATENCY_BUCKETS`);
  }
});

test('the processing-latency alert covers every stage, and lag alerts collapse replicas before summing', () => {
  const latency = rules.find((r) => r.alert === 'KlineflowProcessingLatencyHigh')!;
  assert.match(latency.expr, /sum by \(stage, le\)/);
  assert.doesNotMatch(latency.expr, /stage\s*=/, 'no stage is singled out');
  const lagRules = rules.filter((r) => r.expr.includes('klineflow_consumer_lag_messages'));
  assert.deepEqual(lagRules.map((r) => r.alert).sort(), ['KlineflowConsumerLagGrowing', 'KlineflowConsumerLagHigh']);
  for (const lag of lagRules) {
    const uses = lag.expr.match(/klineflow_consumer_lag_messages/g) ?? [];
    const collapsed = lag.expr.match(/max by \(group, topic, partition\) \(klineflow_consumer_lag_messages\)/g) ?? [];
    assert.equal(collapsed.length, uses.length, `${lag.alert}: every use of the lag gauge is max by (group, topic, partition) first`);
  }
});

test('every stage the apps report processing latency for has a promtool case in which the latency alert fires for it', () => {
  const sources = readdirSync('apps', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const emitted = new Set(
    sources.flatMap((f) => [...readFileSync(`apps/${f}`, 'utf8').matchAll(/(?:observe|labels)\(\{ stage: '(\w+)' \}/g)].map((m) => m[1]!)),
  );
  assert.deepEqual([...emitted].sort(), ['clickhouse', 'normalize', 'redis']);
  const cases = unitTests.tests.flatMap((t) => t.alert_rule_test).filter((c) => c.alertname === 'KlineflowProcessingLatencyHigh');
  const fired = new Set(cases.flatMap((c) => (c.exp_alerts as { exp_labels?: { stage?: string } }[]).map((a) => a.exp_labels?.stage)));
  for (const stage of emitted) assert.ok(fired.has(stage), `no firing case for stage ${stage}`);
});
