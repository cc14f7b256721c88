// Proof that the repository is self-contained: the committed HEAD, cloned into an empty temporary
// folder with nothing beside it (no `shared` design folder next to it), passes the unit-test command.
//
// Design, for a 2-core machine:
// - `git clone` of this checkout copies only what is committed, so a file that exists here but was
//   never added (or a path outside the repository) makes the clone fail, as it would for a user.
// - The clone gets its own node_modules of links into this checkout's (tools/temp-clone.ts), so the
//   inner run installs nothing and its `@klineflow/*` packages are the clone's own sources.
// - It runs `node tools/test.mjs --unit` (everything that needs no stack), not the whole `npm test`:
//   the stack and end-to-end suites in the clone would double the run on the shared stack and machine,
//   and they read nothing the unit suites do not (fixtures are read by unit tests only).
// - The inner run sees KLINEFLOW_CLONE_TEST=1 and skips this file, so the clone does not clone itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cloneHead, git, linkNodeModules } from './temp-clone.js';

const INNER = process.env.KLINEFLOW_CLONE_TEST === '1';
/** The unit suite takes ~75 s here; a hung run must still end the test. */
const DEADLINE_MS = 15 * 60_000;

/** Runs the command to its end (or the deadline), collecting its output. */
function runToEnd(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const deadline = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code, output });
    });
  });
}

test(
  'a clone of HEAD with nothing beside it passes the unit tests and reads nothing outside itself',
  { skip: INNER && 'inside the clone', timeout: DEADLINE_MS + 60_000 },
  async () => {
    const { parent: empty, root: clone, dispose } = cloneHead('klineflow-clone-', false);
    try {
      assert.deepEqual(readdirSync(empty), ['klineflow'], 'nothing beside the clone');

      // No tracked file points outside the repository at the design folder next to it (its fixtures/ or
      // design/; tools/bench/shared is a folder of the repository). The pattern is assembled so that this
      // file does not match it.
      const designFolder = ['\\.\\.', 'shared', '(fixtures|design)'].join('/');
      const outside = spawnSync('git', ['grep', '-n', '-I', '-E', designFolder], { cwd: clone, encoding: 'utf8' });
      assert.equal(outside.status, 1, `files refer to the design folder outside the repository:\n${outside.stdout}`);
      assert.ok(
        git(clone, ['ls-files', 'fixtures/SOURCES.md', 'docs/PROTOCOLS.md']).trim().split('\n').length === 2,
        'fixtures/SOURCES.md and docs/PROTOCOLS.md are committed',
      );

      linkNodeModules(clone);
      const env: NodeJS.ProcessEnv = { ...process.env, KLINEFLOW_CLONE_TEST: '1', NX_DAEMON: 'false' };
      // Inherited node:test variables would make the inner runner report to this one instead of running.
      delete env.NODE_TEST_CONTEXT;
      const { code, output } = await runToEnd(process.execPath, ['tools/test.mjs', '--unit'], clone, env);
      assert.doesNotMatch(output, /ENOENT/, 'a file the tests read is missing from the clone');
      assert.equal(code, 0, `unit tests failed in the clone:\n${output.slice(-8000)}`);
      assert.match(output, /ℹ pass [1-9]\d*/, 'the unit tests ran');
    } finally {
      dispose();
    }
  },
);
