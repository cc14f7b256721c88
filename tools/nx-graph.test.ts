// The Nx project graph is true to the code, and the build cache cannot serve a stale bundle.
//
// - Edges: every `@klineflow/<lib>` import found in a project's files (a plain text scan, independent
//   of Nx) must be an edge of `nx graph`; without source analysis (@nx/js) Nx sees none of them.
// - Affected: changing a file of libs/kafka must make affected every project that reaches libs/kafka
//   through such imports, directly or through another lib (ingest-okx only through ingest-runtime).
// - Cache: in a temporary clone of HEAD (the live tree is shared), `nx run-many -t build` twice is a
//   cache hit the second time; after an edit of libs/kafka, or of tools/build.mjs, it is not, and the
//   rebuilt bundles carry the edit.
// Nx runs without its daemon or cloud, its graph cache in a temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dependents, importEdges, projects } from './project-imports.js';
import { cloneHead, REPO } from './temp-clone.js';

const INNER = process.env.KLINEFLOW_CLONE_TEST === '1';

function nx(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(process.execPath, [path.join(cwd, 'node_modules/nx/dist/bin/nx.js'), ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: undefined, ...env },
  });
  assert.equal(result.status, 0, `nx ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

test('the Nx graph has an edge for every @klineflow import between projects', () => {
  const data = mkdtempSync(path.join(tmpdir(), 'klineflow-nx-data-'));
  try {
    const file = path.join(data, 'graph.json');
    nx(REPO, ['graph', `--file=${file}`], { NX_WORKSPACE_DATA_DIRECTORY: data });
    const graph = JSON.parse(readFileSync(file, 'utf8')) as { graph: { dependencies: Record<string, { target: string }[]> } };
    const edges = importEdges(REPO);
    let count = 0;
    for (const [project, deps] of edges) {
      const nxDeps = new Set((graph.graph.dependencies[project] ?? []).map((d) => d.target));
      for (const dep of deps) {
        assert.ok(nxDeps.has(dep), `${project} imports @klineflow/${dep} but the Nx graph has no ${project} -> ${dep} edge`);
        count++;
      }
    }
    // Non-vacuous: apps import libs and libs import libs.
    assert.ok(count >= 20, `only ${count} imports between projects found`);
    assert.ok(
      [...edges].some(([p, d]) => p.startsWith('ingest-') && d.has('ingest-runtime')),
      'an app -> lib edge',
    );
    assert.ok(edges.get('ingest-runtime')?.has('kafka'), 'a lib -> lib edge');
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test('a change in libs/kafka makes every project that imports it, directly or through a lib, affected', () => {
  const data = mkdtempSync(path.join(tmpdir(), 'klineflow-nx-data-'));
  try {
    const users = dependents(importEdges(REPO), 'kafka');
    const apps = [...users].filter((p) => projects(REPO).get(p)!.dir.startsWith('apps'));
    assert.ok(apps.length >= 5, `apps that use libs/kafka: ${apps.join(', ')}`);
    const out = nx(REPO, ['show', 'projects', '--affected', '--files=libs/kafka/src/client.ts', '--json'], {
      NX_WORKSPACE_DATA_DIRECTORY: data,
    });
    const affected = new Set(JSON.parse(out) as string[]);
    const missing = [...users].filter((p) => !affected.has(p));
    assert.deepEqual(missing, [], `not affected by libs/kafka although they use it: ${missing.join(', ')}`);
    // Nothing that does not reach libs/kafka (exchanges, say) is swept in by mistake.
    assert.ok(!affected.has('exchanges') && !affected.has('exchange-sim'), `over-broad: ${[...affected].join(', ')}`);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test(
  'after an edit of a lib or of tools/build.mjs the build runs again instead of serving the cached bundle',
  { skip: INNER && 'inside the clone test', timeout: 180_000 },
  () => {
    const clone = cloneHead('klineflow-nx-cache-');
    try {
      // ingest-binance imports @klineflow/kafka; ingest-okx reaches it only through ingest-runtime.
      const apps = ['ingest-binance', 'ingest-okx'];
      const bundle = (app: string) => readFileSync(path.join(clone.root, 'dist/apps', app, 'main.js'), 'utf8');
      const build = () => {
        // Nx keeps its cache outside the workspace, under ~/.nx, shared by every clone of this repository: a private one here.
        const out = nx(clone.root, ['run-many', '-t', 'build', `--projects=${apps.join(',')}`, '--output-style=static'], {
          NX_CACHE_DIRECTORY: path.join(clone.root, '.nx-test-cache'),
        });
        // Nx colours its output when it thinks a terminal or CI is watching (CI=true does): read it plain.
        const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
        return {
          out,
          bundles: apps.map(bundle),
          cached: apps.filter((app) => new RegExp(`nx run ${app}:build\\s+\\[(local|remote) cache\\]`).test(plain)),
        };
      };

      const first = build();
      assert.deepEqual(first.cached, [], `a fresh clone has no cache:\n${first.out}`);
      const second = build();
      assert.deepEqual(second.cached, apps, `the cache is in use, so the checks below mean something:\n${second.out}`);
      assert.deepEqual(second.bundles, first.bundles);

      const marker = `nx-cache-probe-${process.pid}-${Date.now()}`;
      appendFileSync(
        path.join(clone.root, 'libs/kafka/src/index.ts'),
        `\n(globalThis as Record<string, unknown>).nxCacheProbe = '${marker}';\n`,
      );
      const afterLib = build();
      assert.deepEqual(afterLib.cached, [], `a lib edit must rebuild its apps:\n${afterLib.out}`);
      afterLib.bundles.forEach((text, i) => assert.ok(text.includes(marker), `dist/apps/${apps[i]}/main.js lacks the edit of libs/kafka`));

      appendFileSync(path.join(clone.root, 'tools/build.mjs'), '\n// a build script edit\n');
      const afterTool = build();
      assert.deepEqual(afterTool.cached, [], `a tools/build.mjs edit must rebuild:\n${afterTool.out}`);
    } finally {
      clone.dispose();
    }
  },
);
