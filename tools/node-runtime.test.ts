// The runtime is Node 24 (tools/node-runtime.mjs): a script started by an older system Node runs
// again on the pinned Node 24, with that Node first on PATH and its exit code passed through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PINNED = /RUNTIME_NODE_VERSION = '([\d.]+)'/.exec(readFileSync(path.join(REPO, 'tools/node-runtime.mjs'), 'utf8'))?.[1];

test('the tests themselves run on Node 24', () => {
  assert.equal(process.versions.node.split('.')[0], '24', `running ${process.version}`);
});

test('package.json engines is the Node 24 LTS line, and the pinned release is in it', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
  assert.equal(pkg.engines.node, '>=24.11 <25');
  assert.ok(PINNED, 'RUNTIME_NODE_VERSION is pinned');
  const [major, minor] = PINNED.split('.').map(Number);
  assert.ok(major === 24 && minor! >= 11, PINNED);
});

/** A `node` on PATH (the system one, say) that is not Node 24, if the machine has one. */
function olderNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    if (version && !version.startsWith('24.')) return candidate;
  }
  return undefined;
}

const older = olderNode();
test(
  'a script started by an older Node runs again on the pinned Node 24, with its arguments and exit code',
  { skip: !older && 'no Node other than 24 on PATH' },
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'klineflow-node-runtime-'));
    try {
      const script = path.join(dir, 'probe.mjs');
      writeFileSync(
        script,
        [
          `import { runOnRuntimeNode } from ${JSON.stringify(pathToFileURL(path.join(REPO, 'tools/node-runtime.mjs')).href)};`,
          `await runOnRuntimeNode('[probe]');`,
          `const onPath = (await import('node:child_process')).spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();`,
          `console.log(JSON.stringify({ version: process.version, args: process.argv.slice(2), onPath }));`,
          `process.exit(7);`,
        ].join('\n'),
      );
      const env = { ...process.env };
      delete env.KLINEFLOW_RUNTIME_NODE;
      const result = spawnSync(older!, [script, 'a', '--b'], { encoding: 'utf8', env });
      assert.equal(result.status, 7, result.stderr);
      const seen = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { version: string; args: string[]; onPath: string };
      assert.deepEqual(seen, { version: `v${PINNED}`, args: ['a', '--b'], onPath: `v${PINNED}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
