import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { DEPLOYABLE_APPS } from './services.js';

for (const { app, defaultPort } of DEPLOYABLE_APPS) {
  test(`${app} has a Dockerfile that builds, installs and runs that app`, () => {
    const path = `apps/${app}/Dockerfile`;
    assert.ok(existsSync(path), `${path} is missing`);
    const dockerfile = readFileSync(path, 'utf8');
    assert.match(dockerfile, new RegExp(`^RUN node tools/build\\.mjs ${app}$`, 'm'), 'builds its own bundle');
    assert.match(dockerfile, new RegExp(`^COPY --from=build /repo/dist/apps/${app} dist/apps/${app}$`, 'm'), 'copies its own dist folder');
    assert.match(dockerfile, /npm ci --omit=dev/, 'installs production dependencies from the lockfile');
    assert.match(dockerfile, /^FROM \$\{NODE_IMAGE\}$/m, 'final stage on the Node image');
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20[.\d]*-[a-z]+-slim$/m, 'Node 20 slim');
    assert.match(dockerfile, new RegExp(`^EXPOSE ${defaultPort}$`, 'm'), `exposes metrics port ${defaultPort}`);
    assert.match(dockerfile, new RegExp(`127\\.0\\.0\\.1:${defaultPort}/health`), 'health check on its own port');
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
