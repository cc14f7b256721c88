import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { promqlProblems } from './promql.js';

const DIR = 'deploy/grafana';

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  targets?: { expr?: string; refId?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  uid?: string;
  title?: string;
  panels?: Panel[];
}

const dashboards = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, dashboard: JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8')) as Dashboard }));

const allPanels = (panels: readonly Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const queryPanels = (d: Dashboard) => allPanels(d.panels ?? []).filter((p) => p.type !== 'row');

test('there is an overview dashboard', () => {
  assert.ok(dashboards.some((d) => d.dashboard.uid === 'klineflow-overview'));
});

test('dashboards are structurally valid: uid, title, panels with unique ids, titles and queries', () => {
  for (const { file, dashboard } of dashboards) {
    assert.ok(dashboard.uid && dashboard.title, `${file}: uid and title`);
    const panels = allPanels(dashboard.panels ?? []);
    assert.ok(panels.length > 0, `${file}: has panels`);
    const ids = panels.map((p) => p.id);
    assert.ok(
      ids.every((id) => Number.isInteger(id)),
      `${file}: every panel has an integer id`,
    );
    assert.equal(new Set(ids).size, ids.length, `${file}: panel ids are unique`);
    for (const panel of panels) assert.ok(panel.title, `${file}: panel ${panel.id} has a title`);
    for (const panel of queryPanels(dashboard)) {
      assert.ok(panel.targets && panel.targets.length > 0, `${file}: "${panel.title}" has targets`);
      const refIds = panel.targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${file}: "${panel.title}" refIds are unique`);
      for (const target of panel.targets) assert.ok(target.expr?.trim(), `${file}: "${panel.title}" target ${target.refId} has an expr`);
    }
  }
});

test('panel queries use only catalogued klineflow metrics and their labels', () => {
  const problems = dashboards.flatMap(({ file, dashboard }) =>
    queryPanels(dashboard).flatMap((panel) =>
      (panel.targets ?? []).flatMap((t) => {
        const expr = t.expr ?? '';
        const found = promqlProblems(expr).map((p) => `${file} "${panel.title}": ${p}`);
        return /klineflow_/.test(expr) ? found : [...found, `${file} "${panel.title}": queries no klineflow metric`];
      }),
    ),
  );
  assert.deepEqual(problems, []);
});
