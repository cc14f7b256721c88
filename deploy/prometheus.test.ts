import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
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
  assert.ok(rules.every((r) => /klineflow_|\bup\{/.test(r.expr)), 'each rule queries klineflow metrics or up');
});

test('the alert on unscrapable services and the scrape config agree on job names', () => {
  const config = parse(readFileSync(`${DIR}/prometheus.yml`, 'utf8')) as { scrape_configs: { job_name: string }[] };
  const jobs = config.scrape_configs.map((c) => c.job_name);
  const serviceDown = rules.find((r) => r.alert === 'KlineflowServiceDown');
  const watched = /job=~"([^"]+)"/.exec(serviceDown?.expr ?? '')?.[1]?.split('|') ?? [];
  assert.ok(watched.length > 0, 'KlineflowServiceDown selects jobs by name');
  for (const job of watched) assert.ok(jobs.includes(job), `job ${job} is not scraped by prometheus.yml`);
});
