import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_ERROR_EXIT_CODE } from '@klineflow/config';
import { packageOf, type PackageJson, type PackageLock } from '../tools/app-deps.mjs';
import { assembleImageContent } from '../tools/image-content.mjs';
import { DEPLOYABLE_APPS } from './services.js';

/** The Node release tools/node-runtime.mjs runs `npm start` and `npm test` on; the images use its major.minor. */
const RUNTIME_NODE = /RUNTIME_NODE_VERSION = '(\d+)\.(\d+)\.\d+'/.exec(readFileSync('tools/node-runtime.mjs', 'utf8'));

for (const { app, defaultPort } of DEPLOYABLE_APPS) {
  test(`${app} has a Dockerfile that builds, installs and runs that app`, () => {
    const path = `apps/${app}/Dockerfile`;
    assert.ok(existsSync(path), `${path} is missing`);
    const dockerfile = readFileSync(path, 'utf8');
    assert.match(dockerfile, new RegExp(`^RUN node tools/build\\.mjs ${app}$`, 'm'), 'builds its own bundle');
    assert.match(dockerfile, new RegExp(`^COPY --from=build /repo/dist/apps/${app} dist/apps/${app}$`, 'm'), 'copies its own dist folder');
    const stages = dockerfile.split(/^(?=FROM )/m);
    const deps = stages.find((stage) => /^FROM \S+ AS deps$/m.test(stage)) ?? '';
    assert.match(
      deps,
      new RegExp(`^COPY --from=build /repo/dist/apps/${app}/package\\.json /repo/dist/apps/${app}/package-lock\\.json \\./$`, 'm'),
      "installs from its own bundle's package.json and lockfile",
    );
    assert.doesNotMatch(deps, /^COPY package/m, "never from the root package.json, which lists every app's packages");
    assert.match(deps, /^RUN .*npm ci --omit=dev/m, 'exactly the locked versions, production only');
    const final = stages.at(-1) ?? '';
    assert.deepEqual(
      final.match(/^COPY .*node_modules.*$/gm),
      ['COPY --from=deps /app/node_modules node_modules'],
      'the final stage gets node_modules from the deps stage only',
    );
    assert.match(dockerfile, /^FROM \$\{NODE_IMAGE\}$/m, 'final stage on the Node image');
    assert.ok(RUNTIME_NODE, 'tools/node-runtime.mjs pins RUNTIME_NODE_VERSION');
    const [, major, minor] = RUNTIME_NODE;
    assert.equal(major, '24', 'the runtime is Node 24 LTS');
    assert.match(
      dockerfile,
      new RegExp(`^ARG NODE_IMAGE=node:${major}\\.${minor}-[a-z]+-slim$`, 'm'),
      `Node ${major}.${minor} slim, the release npm start and npm test run on`,
    );
    assert.match(dockerfile, new RegExp(`^EXPOSE ${defaultPort}$`, 'm'), `exposes metrics port ${defaultPort}`);
    assert.match(
      dockerfile,
      new RegExp(`127\\.0\\.0\\.1:${defaultPort}/livez`),
      'health check on its own port, liveness only: a store outage never marks it unhealthy',
    );
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    assert.deepEqual(JSON.parse(cmd ?? 'null'), ['node', `dist/apps/${app}/main.js`, '--config', '/etc/klineflow/config.toml']);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1] ?? 'root';
    assert.ok(!/^(root|0)(:|$)/.test(user), `runs as non-root, not "${user}"`);
    assert.ok(dockerfile.lastIndexOf('USER ') > dockerfile.lastIndexOf('FROM '), 'USER applies to the final stage');
  });
}

test('the apps with a Dockerfile are exactly the services of the catalogue, each an Nx app project of that name', () => {
  const withDockerfile = readdirSync('apps').filter((dir) => existsSync(`apps/${dir}/Dockerfile`));
  assert.deepEqual(withDockerfile.sort(), DEPLOYABLE_APPS.map((a) => a.app).sort(), 'libs/config/src/services.ts SERVICES');
  for (const { app } of DEPLOYABLE_APPS) {
    const project = JSON.parse(readFileSync(`apps/${app}/project.json`, 'utf8')) as {
      name: string;
      tags: string[];
      targets: { build: { command: string } };
    };
    assert.equal(project.name, app, `apps/${app}/project.json: "name": "${app}"`);
    assert.ok(project.tags.includes('type:app'), `apps/${app}/project.json: tag type:app`);
    assert.equal(project.targets.build.command, `node tools/build.mjs ${app}`, `apps/${app}/project.json: build target`);
  }
});

test('.dockerignore keeps host node_modules and dist out of the build context but lets build.mjs and its modules in', () => {
  const ignore = readFileSync('.dockerignore', 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const entry of ['**/node_modules', '**/dist', '.git']) assert.ok(ignore.includes(entry), entry);
  // What tools/build.mjs imports from tools/ must reach the build stage: the exception in .dockerignore and the COPY.
  const modules = [...readFileSync('tools/build.mjs', 'utf8').matchAll(/^import .* from '\.\/([\w-]+\.mjs)';$/gm)].map(
    (m) => `tools/${m[1]}`,
  );
  assert.deepEqual(modules, ['tools/app-deps.mjs']);
  for (const file of ['tools/build.mjs', ...modules])
    assert.ok(ignore.indexOf('tools') < ignore.indexOf(`!${file}`), `.dockerignore lets ${file} in, after excluding tools`);
  for (const { app } of DEPLOYABLE_APPS) {
    const copied = /^COPY ((?:tools\/\S+ )+)tools\/$/m
      .exec(readFileSync(`apps/${app}/Dockerfile`, 'utf8'))?.[1]
      ?.trim()
      .split(' ');
    assert.deepEqual(copied, ['tools/build.mjs', ...modules], `apps/${app}/Dockerfile copies build.mjs and its modules`);
  }
});

// Each image installs only what its bundle imports (tools/app-deps.mjs). The bundles are built into a
// directory of this test's own, and each image's content is assembled outside the repository
// (tools/image-content.mjs), where the root node_modules cannot stand in for a package the image lacks.
let out = '';
before(() => {
  out = mkdtempSync(join(tmpdir(), 'klineflow-images-'));
  const build = spawnSync(process.execPath, ['tools/build.mjs', '--out', out], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
});
after(() => rmSync(out, { recursive: true, force: true }));

const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const rootPackage = read<PackageJson>('package.json');
const rootLock = read<PackageLock>('package-lock.json');

/**
 * The packages a bundle loads, read from its text rather than from esbuild's metafile: static imports and
 * re-exports, side-effect imports, import(), and require() through createRequire (libs/kafka loads kafkajs so).
 */
function bundleImports(bundle: string): string[] {
  const specifiers = [
    ...bundle.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)";$/gm),
    ...bundle.matchAll(/^import\s*"([^"]+)";$/gm),
    ...bundle.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
    ...bundle.matchAll(/\brequire\d*\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1]!);
  return [...new Set(specifiers.map(packageOf).filter((name) => name !== undefined))].sort();
}

/** Stores each app writes to; every other app's image must not carry their clients. */
const STORE_CLIENTS: Record<string, string> = { 'redis-writer': 'ioredis', 'clickhouse-sink': '@clickhouse/client' };

for (const { app } of DEPLOYABLE_APPS) {
  test(`${app}: its image installs exactly the packages its bundle imports, at the root lockfile's versions`, () => {
    const dir = join(out, 'apps', app);
    const { dependencies = {} } = read<PackageJson>(join(dir, 'package.json'));
    assert.deepEqual(Object.keys(dependencies).sort(), bundleImports(readFileSync(join(dir, 'main.js'), 'utf8')));
    for (const [name, client] of Object.entries(STORE_CLIENTS)) {
      assert.equal(client in dependencies, name === app, `${client} ${name === app ? 'in' : 'not in'} the ${app} image`);
    }
    for (const [name, version] of Object.entries(dependencies)) {
      assert.equal(version, rootLock.packages[`node_modules/${name}`]?.version, `${name} at the locked version`);
      assert.ok(rootPackage.dependencies?.[name], `${name} is a production dependency`);
    }
    const lock = read<PackageLock>(join(dir, 'package-lock.json'));
    assert.deepEqual(lock.packages['']?.dependencies, dependencies, 'the lockfile agrees with the package.json (npm ci refuses otherwise)');
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '') continue;
      const locked = rootLock.packages[path];
      assert.ok(locked, `${path} is in the root lockfile at the same place`);
      assert.deepEqual([entry.version, entry.integrity, entry.dev], [locked.version, locked.integrity, undefined], path);
    }
  });

  test(`${app}: its bundle starts with nothing but its image's packages`, { timeout: 180_000 }, () => {
    const dir = assembleImageContent(app, out);
    const installed = read<PackageLock>(join(dir, 'node_modules', '.package-lock.json')).packages;
    const lock = read<PackageLock>(join(out, 'apps', app, 'package-lock.json')).packages;
    assert.deepEqual(
      Object.keys(installed).sort(),
      Object.keys(lock)
        .filter((p) => p !== '')
        .sort(),
      'npm ci installed the pruned lockfile, nothing more',
    );
    // Every static import is resolved and evaluated before the first line of the bundle runs, so reaching
    // config validation (an out-of-range key: exit 78 naming it) means no package is missing. Without
    // NODE_PATH and NODE_OPTIONS nothing outside the image content can be loaded.
    const env: NodeJS.ProcessEnv = { ...process.env, KLINEFLOW__TRACING__SAMPLE_RATIO: '2' };
    delete env.NODE_PATH;
    delete env.NODE_OPTIONS;
    const run = spawnSync(process.execPath, [`dist/apps/${app}/main.js`], { cwd: dir, encoding: 'utf8', timeout: 30_000, env });
    assert.equal(run.status, CONFIG_ERROR_EXIT_CODE, `exit ${run.status}: ${run.stderr}`);
    assert.match(run.stderr, new RegExp(`^${app}: invalid configuration[^]*tracing\\.sample_ratio`), run.stderr);
  });
}
