// .github/workflows/ci.yml: pull requests check the affected projects, main runs the full `npm test`,
// and each affected app with a Dockerfile gets its image. The matrix step is not only read but run:
// in a temporary clone with a commit to libs/kafka it must list exactly the apps that use libs/kafka
// (from the apps' imports, not from Nx) and have a Dockerfile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { dependents, importEdges, projects } from './project-imports.js';
import { cloneHead, git, REPO } from './temp-clone.js';

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: { pull_request?: unknown; push?: { branches?: string[] } };
  jobs: Record<string, Job>;
}

const INNER = process.env.KLINEFLOW_CLONE_TEST === '1';
const CI = parse(readFileSync(path.join(REPO, '.github/workflows/ci.yml'), 'utf8')) as Workflow;
const PROJECTS = projects(REPO);
const APPS = [...PROJECTS].filter(([, p]) => p.dir.startsWith('apps')).map(([name]) => name);

const job = (name: string): Job => {
  const found = CI.jobs[name];
  assert.ok(found, `ci.yml has a "${name}" job; jobs: ${Object.keys(CI.jobs).join(', ')}`);
  return found;
};
const runs = (j: Job) => j.steps.map((s) => s.run ?? '').join('\n');
const needs = (j: Job) => [j.needs ?? []].flat();
const targets = (project: string) =>
  Object.keys(
    (JSON.parse(readFileSync(path.join(REPO, PROJECTS.get(project)!.dir, 'project.json'), 'utf8')) as { targets: object }).targets,
  );

test('ci.yml runs on pull requests and on pushes to main, with Node 24 wherever it sets up Node', () => {
  assert.ok('pull_request' in CI.on, 'on: pull_request');
  assert.deepEqual(CI.on.push?.branches, ['main']);
  const setups = Object.values(CI.jobs).flatMap((j) => j.steps.filter((s) => s.uses?.startsWith('actions/setup-node@')));
  assert.ok(setups.length >= 3, 'the jobs that run node set it up');
  for (const s of setups) assert.equal(String(s.with?.['node-version']), '24');
  for (const j of Object.values(CI.jobs)) {
    if (/\b(npm|npx|node)\b|\.ci\/run/.test(runs(j)))
      assert.ok(
        j.steps.some((s) => s.uses?.startsWith('actions/setup-node@')),
        `a job running ${runs(j).slice(0, 60)}… sets up Node`,
      );
  }
});

test('pull requests lint, typecheck, test and build the affected projects, which have those targets', () => {
  const affected = job('affected');
  assert.match(affected.if ?? '', /github\.event_name == 'pull_request'/);
  const command = /npx nx affected -t ([\w ]+?) --base=/.exec(runs(affected));
  assert.ok(command, `an "nx affected -t …" step in:\n${runs(affected)}`);
  assert.deepEqual(command[1]!.split(' ').sort(), ['build', 'lint', 'test', 'typecheck']);
  assert.ok(
    affected.steps.some((s) => s.uses?.startsWith('actions/checkout@') && s.with?.['fetch-depth'] === 0),
    'full history, for the merge base',
  );
  for (const [name, { dir }] of PROJECTS) {
    for (const t of ['lint', 'typecheck']) assert.ok(targets(name).includes(t), `${name} has a ${t} target`);
    if (existsSync(path.join(REPO, dir, 'src/main.ts')))
      for (const t of ['build', 'test']) assert.ok(targets(name).includes(t), `${name} has a ${t} target`);
  }
});

test("main runs the full test command through .ci/run, which runs the README's `npm test`", () => {
  const full = job('test');
  assert.match(full.if ?? '', /github\.event_name == 'push'/);
  assert.match(full.if ?? '', /refs\/heads\/main/);
  assert.match(runs(full), /^bash \.ci\/run$/m);
  const script = readFileSync(path.join(REPO, '.ci/run'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(script.at(-1), 'npm test');
  assert.match(readFileSync(path.join(REPO, 'README.md'), 'utf8'), /^npm test\s/m);
});

test('images: a matrix over the affected apps, each built from its own apps/<app>/Dockerfile, pushed from main only', () => {
  const images = job('images');
  const source = /^\$\{\{ fromJSON\(needs\.(\w+)\.outputs\.(\w+)\) \}\}$/.exec(String(images.strategy?.matrix?.app));
  assert.ok(source, `matrix.app comes from a job's output: ${JSON.stringify(images.strategy?.matrix)}`);
  const [, producerName, output] = source;
  assert.ok(needs(images).includes(producerName!), `images needs ${producerName}`);
  const producer = job(producerName!);
  const stepId = /steps\.(\w+)\.outputs/.exec(producer.outputs?.[output!] ?? '')?.[1];
  const step = producer.steps.find((s) => s.id === stepId);
  assert.ok(step?.run, `${producerName}.outputs.${output} comes from a run step`);
  assert.match(step.run, /nx show projects --affected --type app --base="\$BASE"/);
  assert.match(step.run, /-f "apps\/\$app\/Dockerfile"/, 'apps without a Dockerfile are left out');
  // Images only after the checks: on a pull request the affected job, on main the full test.
  for (const gate of ['affected', 'test']) assert.ok(needs(images).includes(gate), `images needs ${gate}`);
  assert.match(images.if ?? '', /!contains\(needs\.\*\.result, 'failure'\)/);

  const build = images.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
  assert.ok(build, 'a docker/build-push-action step');
  assert.equal(build.with?.file, 'apps/${{ matrix.app }}/Dockerfile');
  assert.equal(build.with?.context, '.');
  assert.equal(build.with?.push, "${{ github.event_name == 'push' }}");
  const login = images.steps.find((s) => s.uses?.startsWith('docker/login-action@'));
  assert.equal(login?.if, "github.event_name == 'push'", 'logs in to the registry only to push');

  // Every app that can be deployed (has a src/main.ts) has a Dockerfile, so the filter drops none of them.
  for (const app of APPS) {
    const deployable = existsSync(path.join(REPO, 'apps', app, 'src/main.ts'));
    assert.equal(existsSync(path.join(REPO, 'apps', app, 'Dockerfile')), deployable, `apps/${app}: Dockerfile if and only if src/main.ts`);
  }
});

test(
  'the matrix step, run after a commit to libs/kafka, lists the apps that use libs/kafka and have a Dockerfile',
  { skip: INNER && 'inside the clone test', timeout: 120_000 },
  () => {
    const producer = Object.values(CI.jobs).find((j) => j.steps.some((s) => s.run?.includes('nx show projects --affected --type app')))!;
    const step = producer.steps.find((s) => s.run?.includes('nx show projects --affected --type app'))!;
    const clone = cloneHead('klineflow-ci-');
    const out = mkdtempSync(path.join(tmpdir(), 'klineflow-ci-out-'));
    try {
      appendFileSync(path.join(clone.root, 'libs/kafka/src/client.ts'), '\n// a change to libs/kafka\n');
      git(clone.root, [
        '-c',
        'user.name=ci test',
        '-c',
        'user.email=ci@test.invalid',
        'commit',
        '--quiet',
        '-am',
        'a change to libs/kafka',
      ]);
      const output = path.join(out, 'github-output');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
        NX_TUI: 'false',
        BASE: 'HEAD~1',
        GITHUB_OUTPUT: output,
      };
      env.PATH = `${path.join(clone.root, 'node_modules/.bin')}${path.delimiter}${env.PATH}`;
      const result = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', step.run!], { cwd: clone.root, env, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stdout + result.stderr);
      const line = readFileSync(output, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('apps='));
      const listed = (JSON.parse(line!.slice('apps='.length)) as string[]).sort();

      const users = dependents(importEdges(clone.root), 'kafka');
      const expected = APPS.filter((app) => users.has(app) && existsSync(path.join(clone.root, 'apps', app, 'Dockerfile'))).sort();
      assert.ok(expected.length >= 4, `apps using libs/kafka with an image: ${expected.join(', ')}`);
      assert.deepEqual(listed, expected);
      assert.ok(users.has('platform-e2e') && !listed.includes('platform-e2e'), 'platform-e2e is affected but has no image');
    } finally {
      clone.dispose();
      rmSync(out, { recursive: true, force: true });
    }
  },
);
