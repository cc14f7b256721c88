import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
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
    assert.match(dockerfile, /npm ci --omit=dev/, 'installs production dependencies from the lockfile');
    assert.match(dockerfile, /^FROM \$\{NODE_IMAGE\}$/m, 'final stage on the Node image');
    assert.ok(RUNTIME_NODE, 'tools/node-runtime.mjs pins RUNTIME_NODE_VERSION');
    const [, major, minor] = RUNTIME_NODE;
    assert.equal(major, '24', 'the runtime is Node 24 LTS');
    assert.match(dockerfile, new RegExp(`^ARG NODE_IMAGE=node:${major}\\.${minor}-[a-z]+-slim$`, 'm'), `Node ${major}.${minor} slim, the release npm start and npm test run on`);
    assert.match(dockerfile, new RegExp(`^EXPOSE ${defaultPort}$`, 'm'), `exposes metrics port ${defaultPort}`);
    assert.match(dockerfile, new RegExp(`127\\.0\\.0\\.1:${defaultPort}/livez`), 'health check on its own port, liveness only: a store outage never marks it unhealthy');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    assert.deepEqual(JSON.parse(cmd ?? 'null'), ['node', `dist/apps/${app}/main.js`, '--config', '/etc/klineflow/config.toml']);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1] ?? 'root';
    assert.ok(!/^(root|0)(:|$)/.test(user), `runs as non-root, not "${user}"`);
    assert.ok(dockerfile.lastIndexOf('USER ') > dockerfile.lastIndexOf('FROM '), 'USER applies to the final stage');
  });
}

test('.dockerignore keeps host node_modules and dist out of the build context but lets build.mjs in', () => {
  const ignore = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
  for (const entry of ['**/node_modules', '**/dist', '.git', '!tools/build.mjs']) assert.ok(ignore.includes(entry), entry);
  assert.ok(ignore.indexOf('tools') < ignore.indexOf('!tools/build.mjs'), 'the exception follows the exclusion');
});
