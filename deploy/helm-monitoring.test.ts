// Issue 11 part 3: the optional PrometheusRule and Grafana dashboard ConfigMap carry the repository's
// alerts and dashboard unchanged. Helm reads only files inside the chart, so the chart holds copies
// in files/; this test keeps them identical to their sources, which stay the only ones edited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CHART_DIR } from './binaries.js';
import { ofKind, renderChart } from './chart.js';

const ALERTS = 'deploy/prometheus/alerts.yml';
const DASHBOARD = 'deploy/grafana/klineflow-overview.json';

test('the chart copies of alerts.yml and the dashboard are identical to their sources', () => {
  for (const source of [ALERTS, DASHBOARD]) {
    const copy = `${CHART_DIR}/files/${source.split('/').pop()}`;
    assert.ok(
      readFileSync(copy, 'utf8') === readFileSync(source, 'utf8'),
      `${copy} differs from ${source}: cp ${source} ${CHART_DIR}/files/`,
    );
  }
});

test('the PrometheusRule holds every alert of alerts.yml, as written', () => {
  const { objects, stderr } = renderChart('metrics.prometheusRule.enabled=true', 'metrics.prometheusRule.labels.release=kps');
  const [rule, ...more] = ofKind(objects, 'PrometheusRule');
  assert.equal(more.length, 0, stderr);
  assert.equal(rule!.metadata.labels?.['release'], 'kps', 'labels for the ruleSelector');
  const source = parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: { alert?: string }[] }[] };
  assert.deepEqual(rule!.spec, source);
  const alerts = (s: typeof source) => s.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter(Boolean);
  assert.ok(alerts(source).length >= 10);
  assert.deepEqual(alerts(rule!.spec as typeof source), alerts(source));
  assert.equal(ofKind(renderChart().objects, 'PrometheusRule').length, 0, 'opt-in');
});

test('the dashboard ConfigMap holds the dashboard byte for byte, labelled for the Grafana sidecar', () => {
  const { objects } = renderChart('metrics.grafanaDashboard.enabled=true');
  const [map] = ofKind(objects, 'ConfigMap').filter((m) => m.metadata.name.endsWith('-dashboard'));
  assert.equal(map!.data!['klineflow-overview.json'], readFileSync(DASHBOARD, 'utf8'));
  assert.equal(map!.metadata.labels?.['grafana_dashboard'], '1');
  assert.equal(ofKind(renderChart().objects, 'ConfigMap').length, 1, 'opt-in: only the config');
});
