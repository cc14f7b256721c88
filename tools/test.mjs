// Runs the test suites with Node's test runner (closing summary read by CI).
//   node tools/test.mjs            build, start the local stack, run every test but the chaos suite
//   node tools/test.mjs --unit [dir…]   only tests that need no stack (*.test.ts, not *.stack.test.ts / e2e)
//   node tools/test.mjs --chaos         the chaos suite (*.chaos-test.ts): out of the gate while its store-outage (f) and broker-restart (g) recoveries have no margin (RELIABILITY.md)
// Every run is on Node 24 (tools/node-runtime.mjs), whatever Node started it. The CLI tools that
// only tests use (helm, promtool: `stack.sh install-test-tools`) are installed when a selected test
// file needs them, i.e. imports deploy/binaries.ts; `npm start` never installs them.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureNpmPackages } from './npm-packages.mjs';
import { KAFKAJS_WARNING_OFF, runOnRuntimeNode } from './node-runtime.mjs';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const chaos = args.includes('--chaos');
const roots = args.filter((a) => !a.startsWith('--'));

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts') || name.endsWith('.chaos-test.ts')) out.push(path);
  }
  return out;
}

const isChaos = (f) => f.endsWith('.chaos-test.ts');
const found = (roots.length > 0 ? roots : ['libs', 'apps', 'deploy', 'tools']).flatMap((r) => findTests(r)).sort();
const all = found.filter((f) => isChaos(f) === chaos);
const needsStack = (f) => isChaos(f) || f.endsWith('.stack.test.ts') || f.includes('platform-e2e');
const unit = all.filter((f) => !needsStack(f));
const stack = all.filter(needsStack);
// `node --test` given no file runs every *.test.* it finds, stack and end-to-end suites included; a
// project without unit tests (libs/schemas, whose Nx test target is `--unit libs/schemas`) has nothing to run.
if ((unitOnly ? unit : all).length === 0) {
  console.error(`[test] no ${unitOnly ? 'unit ' : ''}test files under ${roots.join(', ') || 'libs, apps, deploy, tools'}: nothing to run`);
  process.exit(0);
}

function run(cmd, argv, env = {}) {
  const result = spawnSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status ?? 1;
}

await runOnRuntimeNode('[test]');
// Test files, the processes they start and stack.sh's provisioning use kafkajs too: the same warning is
// off for all of them as for the apps (libs/process-runner APP_NODE_FLAGS).
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, KAFKAJS_WARNING_OFF].filter(Boolean).join(' ');
// A fresh clone may run `npm test` first: install the packages the way `npm start` does.
ensureNpmPackages('[test]');

/** Test files that locate helm or promtool through deploy/binaries.ts, directly or through deploy/chart.ts. */
const usesTestTools = (f) => /from '\.\/(binaries|chart)\.js'/.test(readFileSync(f, 'utf8'));
const selected = unitOnly || stack.length === 0 ? unit : [...unit, ...stack];
if (selected.some(usesTestTools) && run('bash', ['tools/stack/stack.sh', 'install-test-tools']) !== 0) {
  console.error('bash tools/stack/stack.sh install-test-tools failed');
  process.exit(1);
}

const NODE_FLAGS = ['--import', 'tsx'];
let status = 0;
if (unitOnly || stack.length === 0) {
  status = run(process.execPath, [...NODE_FLAGS, '--test', '--test-reporter=spec', ...unit]);
} else {
  for (const [cmd, argv] of [
    [process.execPath, ['tools/build.mjs']],
    ['bash', ['tools/stack/stack.sh', 'up']],
  ]) {
    if (run(cmd, argv) !== 0) {
      console.error(`${cmd} ${argv.join(' ')} failed`);
      process.exit(1);
    }
  }
  // Stack and e2e tests share one broker and one machine of 2 cores: run files one at a time.
  status = run(process.execPath, [...NODE_FLAGS, '--test', '--test-reporter=spec', '--test-concurrency=1', ...unit, ...stack]);
}
process.exit(status);
