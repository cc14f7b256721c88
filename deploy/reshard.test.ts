// Issue 11: a reshard never leaves a symbol without an owner. The chart's two-step procedure is
// played out pod by pod on its own renders: every state the cluster can pass through is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { parseConfig, resolveExchange } from '@klineflow/config';
import { assignShards } from '@klineflow/ingest-runtime';
import { CHART_DIR, RENDER_ARGS, helmPath, run } from './binaries.js';

interface StatefulSet {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: { replicas: number; template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
}
interface Rendered {
  sets: Map<string, StatefulSet>;
  symbols: string[];
}

function render(...setArgs: string[]): Rendered {
  const result = run(helmPath(), [...RENDER_ARGS, ...setArgs.flatMap((s) => ['--set', s])]);
  assert.equal(result.status, 0, result.stderr);
  const docs = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as StatefulSet & { data?: Record<string, string> })
    .filter(Boolean);
  const toml = docs.find((d) => d.kind === 'ConfigMap')!.data!['config.toml']!;
  const symbols = resolveExchange(parseConfig(toml, {}, 'chart ConfigMap'), 'binance')!.symbols.map((s) => s.canonical);
  const sets = docs.filter((d) => d.kind === 'StatefulSet' && d.metadata.labels?.['app.kubernetes.io/component'] === 'ingest-binance');
  return { sets: new Map(sets.map((s) => [s.metadata.name, s])), symbols };
}

/** A running pod: shard `index` of `count`, as its StatefulSet's env and its ordinal say. */
interface Pod {
  name: string;
  index: number;
  count: number;
}

function podsOf(set: StatefulSet): Pod[] {
  const count = Number(set.spec.template.spec.containers[0]!.env!.find((e) => e.name === 'KLINEFLOW__INGEST__SHARD_COUNT')!.value);
  assert.equal(count, set.spec.replicas, `${set.metadata.name}: shard count = replicas`);
  return Array.from({ length: set.spec.replicas }, (_, index) => ({ name: `${set.metadata.name}-${index}`, index, count }));
}

/** Symbols no running pod serves. */
function unowned(pods: readonly Pod[], symbols: readonly string[]): string[] {
  const owned = new Set<string>();
  for (const pod of pods) for (const [symbol, shard] of assignShards(symbols, pod.count)) if (shard === pod.index) owned.add(symbol);
  return symbols.filter((s) => !owned.has(s));
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/**
 * One helm upgrade from `before` to `after`: StatefulSets that keep their spec keep their pods;
 * new ones add pods, removed ones lose them, in every possible order. A StatefulSet whose spec
 * changed would roll its pods, which is what the procedure must avoid: it is refused here.
 */
function assertUpgradeKeepsOwners(before: Rendered, after: Rendered, step: string): void {
  for (const [name, set] of after.sets) {
    const old = before.sets.get(name);
    assert.ok(!old || isDeepStrictEqual(old, set), `${step}: ${name} is untouched (a changed spec would roll it pod by pod)`);
  }
  const kept = [...after.sets.keys()].filter((n) => before.sets.has(n)).flatMap((n) => podsOf(after.sets.get(n)!));
  const starting = [...after.sets.keys()].filter((n) => !before.sets.has(n)).flatMap((n) => podsOf(after.sets.get(n)!));
  const stopping = [...before.sets.keys()].filter((n) => !after.sets.has(n)).flatMap((n) => podsOf(before.sets.get(n)!));
  // Helm applies new and deleted objects together: pods start and stop interleaved, in any order.
  const events = [...starting.map((pod) => ({ pod, up: true })), ...stopping.map((pod) => ({ pod, up: false }))];
  assert.ok(events.length <= 8, 'few enough pods to try every order');
  for (const order of permutations(events)) {
    // A starting pod serves nothing until it is up; a stopping pod serves until it is gone.
    const running = new Map([...kept, ...stopping].map((p) => [p.name, p]));
    for (const { pod, up } of order) {
      if (up) running.set(pod.name, pod);
      else running.delete(pod.name);
      const gap = unowned([...running.values()], after.symbols);
      assert.deepEqual(
        gap,
        [],
        `${step}: after ${order.map((e) => `${e.up ? '+' : '-'}${e.pod.name}`).join(' ')} up to ${up ? '+' : '-'}${pod.name}`,
      );
    }
  }
}

test("resharding 2 → 3 with the chart's two steps leaves no symbol without an owner at any moment", () => {
  const two = render('ingest.binance.replicas=2');
  const transition = render('ingest.binance.replicas=3', 'ingest.binance.previousReplicas=2');
  const three = render('ingest.binance.replicas=3');
  assert.deepEqual([...transition.sets.keys()].sort(), ['klineflow-ingest-binance-n2', 'klineflow-ingest-binance-n3']);
  // Step 1 only starts pods: the old generation serves everything meanwhile.
  assertUpgradeKeepsOwners(two, transition, 'step 1');
  // Step 2, once the new generation is ready: only the old generation's pods stop.
  const ready = { ...transition, sets: new Map([...transition.sets].filter(([name]) => name.endsWith('-n3'))) };
  assertUpgradeKeepsOwners(ready, three, 'step 2');
  // And back, 3 → 2, the same way.
  assertUpgradeKeepsOwners(three, render('ingest.binance.replicas=2', 'ingest.binance.previousReplicas=3'), 'back, step 1');
});

test('why: rolling one StatefulSet from 2 to 3 shards in place leaves symbols without an owner', () => {
  const { symbols } = render();
  // The StatefulSet controller adds ordinal 2, then replaces 1 and then 0, one pod down at a time.
  const states: Pod[][] = [
    [
      { name: 'p0', index: 0, count: 2 },
      { name: 'p1', index: 1, count: 2 },
      { name: 'p2', index: 2, count: 3 },
    ],
    [
      { name: 'p0', index: 0, count: 2 },
      { name: 'p2', index: 2, count: 3 },
    ],
    [
      { name: 'p0', index: 0, count: 2 },
      { name: 'p1', index: 1, count: 3 },
      { name: 'p2', index: 2, count: 3 },
    ],
    [
      { name: 'p1', index: 1, count: 3 },
      { name: 'p2', index: 2, count: 3 },
    ],
  ];
  assert.ok(
    states.some((pods) => unowned(pods, symbols).length > 0),
    'an in-place roll has a gap',
  );
});

test('each shard count is its own StatefulSet; the headless service selects every generation', () => {
  const result = run(helmPath(), [...RENDER_ARGS, '--set', 'ingest.binance.replicas=3', '--set', 'ingest.binance.previousReplicas=2']);
  assert.equal(result.status, 0, result.stderr);
  const docs = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> })
    .filter(Boolean);
  const sets = docs.filter((d) => d.kind === 'StatefulSet' && d.metadata.name.includes('ingest-binance'));
  for (const set of sets) {
    const count = /-n(\d+)$/.exec(set.metadata.name)![1];
    const selector = (set.spec.selector as { matchLabels: Record<string, string> }).matchLabels;
    assert.equal(selector['klineflow.io/shard-count'], count, `${set.metadata.name}: its own pods only`);
    assert.equal(set.spec.podManagementPolicy, 'Parallel');
  }
  const service = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'klineflow-ingest-binance')!;
  assert.equal((service.spec.selector as Record<string, string>)['klineflow.io/shard-count'], undefined);
  assert.ok(!result.stdout.includes('all at once'), 'no claim that a rolling update replaces pods all at once');
});

test('previousReplicas must name another shard count', () => {
  for (const [value, message] of [
    ['3', /previousReplicas \(3\) equals replicas/],
    ['-1', /\/ingest\/binance\/previousReplicas': minimum: got -1, want 1/],
  ] as const) {
    const result = run(helmPath(), [
      ...RENDER_ARGS,
      '--set',
      'ingest.binance.replicas=3',
      '--set',
      `ingest.binance.previousReplicas=${value}`,
    ]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, message);
  }
});

test('with a cluster to look at, the chart refuses to drop a running generation before the new one is ready', () => {
  // lookup returns nothing without a cluster: a copy of the chart reads the "cluster" from a value instead.
  const dir = mkdtempSync(join(tmpdir(), 'klineflow-chart-'));
  try {
    cpSync(CHART_DIR, dir, { recursive: true });
    const template = join(dir, 'templates', 'ingest.yaml');
    const lookup = '(lookup "apps/v1" "StatefulSet" $.Release.Namespace "")';
    const text = readFileSync(template, 'utf8');
    assert.ok(text.includes(lookup), 'the guard looks up the StatefulSets of the release namespace');
    writeFileSync(template, text.replace(lookup, '($.Values.fakeCluster | default dict)'));
    // The values schema refuses keys it does not know; the copy's knows the fake cluster.
    const schemaFile = join(dir, 'values.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { properties: Record<string, object> };
    writeFileSync(schemaFile, JSON.stringify({ ...schema, properties: { ...schema.properties, fakeCluster: { type: 'object' } } }));
    const sts = (count: number, ready: number) => ({
      metadata: {
        labels: {
          'app.kubernetes.io/instance': 'klineflow',
          'app.kubernetes.io/component': 'ingest-binance',
          'klineflow.io/shard-count': String(count),
        },
      },
      status: { readyReplicas: ready },
    });
    const upgrade = (cluster: object[], ...sets: string[]) =>
      run(helmPath(), [
        'template',
        'klineflow',
        dir,
        '--namespace',
        'klineflow',
        '--kube-version',
        '1.30.0',
        '--set-json',
        `fakeCluster=${JSON.stringify({ items: cluster })}`,
        ...sets.flatMap((s) => ['--set', s]),
      ]);
    const oneStep = upgrade([sts(2, 2)], 'ingest.binance.replicas=3');
    assert.notEqual(oneStep.status, 0, 'a reshard in one step is refused');
    assert.match(oneStep.stderr, /ingest\.binance\.previousReplicas=2/);
    assert.equal(upgrade([sts(2, 2)], 'ingest.binance.replicas=3', 'ingest.binance.previousReplicas=2').status, 0, 'step 1');
    const early = upgrade([sts(2, 2), sts(3, 1)], 'ingest.binance.replicas=3');
    assert.notEqual(early.status, 0, 'step 2 before the new shards are ready');
    assert.match(early.stderr, /the 3-shard StatefulSet is not running with every pod ready yet, and the running 2-shard one would go/);
    assert.equal(upgrade([sts(2, 2), sts(3, 3)], 'ingest.binance.replicas=3').status, 0, 'step 2 once they are');
    assert.equal(upgrade([sts(2, 2)], 'ingest.binance.replicas=2').status, 0, 'no reshard');
    assert.equal(upgrade([], 'ingest.binance.replicas=3').status, 0, 'first install');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
