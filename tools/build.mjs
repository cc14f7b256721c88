// Bundles each app to dist/apps/<app>/main.js with esbuild. Dependencies stay external:
// images install them from package-lock.json (see apps/<app>/Dockerfile).
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';

const deployable = readdirSync('apps').filter((app) => existsSync(`apps/${app}/src/main.ts`));
const requested = process.argv.slice(2);
const apps = requested.length > 0 ? requested : deployable;
for (const app of apps) {
  if (!deployable.includes(app)) {
    console.error(`unknown app "${app}"; apps with a src/main.ts: ${deployable.join(', ')}`);
    process.exit(2);
  }
}
await Promise.all(
  apps.map((app) =>
    build({
      entryPoints: [`apps/${app}/src/main.ts`],
      outfile: `dist/apps/${app}/main.js`,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      packages: 'external',
      sourcemap: true,
      tsconfig: 'tsconfig.base.json',
      logLevel: 'warning',
    }),
  ),
);
console.log(`built ${apps.join(', ')}`);
