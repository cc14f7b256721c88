// Issue 11: a reshard never leaves a symbol without an owner. The chart's two-step procedure is
// played out pod by pod on its own renders: every state the cluster can pass through is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { parseConfig, resolveExchange } from '@klineflow/config';
import { assignShards } from '@klineflow/ingest-runtime';
import { RENDER_ARGS, helmPath, run } from './binaries.js';

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
  const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as StatefulSet & { data?: Record<string, string> }).filter(Boolean);
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
      assert.deepEqual(gap, [], `${step}: after ${order.map((e) => `${e.up ? '+' : '-'}${e.pod.name}`).join(' ')} up to ${up ? '+' : '-'}${pod.name}`);
    }
  }
}

test('resharding 2 → 3 with the chart\'s two steps leaves no symbol without an owner at any moment', () => {
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
    [{ name: 'p0', index: 0, count: 2 }, { name: 'p1', index: 1, count: 2 }, { name: 'p2', index: 2, count: 3 }],
    [{ name: 'p0', index: 0, count: 2 }, { name: 'p2', index: 2, count: 3 }],
    [{ name: 'p0', index: 0, count: 2 }, { name: 'p1', index: 1, count: 3 }, { name: 'p2', index: 2, count: 3 }],
    [{ name: 'p1', index: 1, count: 3 }, { name: 'p2', index: 2, count: 3 }],
  ];
  assert.ok(states.some((pods) => unowned(pods, symbols).length > 0), 'an in-place roll has a gap');
});
