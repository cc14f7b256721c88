// Bundles each app to dist/apps/<app>/main.js with esbuild. Dependencies stay external: next to each
// bundle go the package.json and package-lock.json of exactly the packages it imports
// (tools/app-deps.mjs), which its image installs (apps/<app>/Dockerfile).
//   node tools/build.mjs [app…] [--out <dir>]   (default dist; tests build into a directory of their own)
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { appManifest, bundlePackages } from './app-deps.mjs';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outRoot = outAt < 0 ? 'dist' : args[outAt + 1];
if (!outRoot) {
  console.error('--out needs a directory');
  process.exit(2);
}
const deployable = readdirSync('apps').filter((app) => existsSync(`apps/${app}/src/main.ts`));
const requested = args.filter((a, i) => a !== '--out' && i !== outAt + 1);
const apps = requested.length > 0 ? requested : deployable;
for (const app of apps) {
  if (!deployable.includes(app)) {
    console.error(`unknown app "${app}"; apps with a src/main.ts: ${deployable.join(', ')}`);
    process.exit(2);
  }
}
const rootPackage = JSON.parse(readFileSync('package.json', 'utf8'));
const rootLock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
await Promise.all(
  apps.map(async (app) => {
    const dir = `${outRoot}/apps/${app}`;
    const { metafile } = await build({
      entryPoints: [`apps/${app}/src/main.ts`],
      outfile: `${dir}/main.js`,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      packages: 'external',
      sourcemap: true,
      metafile: true,
      tsconfig: 'tsconfig.base.json',
      logLevel: 'warning',
    });
    // The metafile names outputs relative to the working directory.
    const packages = bundlePackages(metafile, relative(process.cwd(), `${dir}/main.js`), readFileSync(`${dir}/main.js`, 'utf8'));
    const { packageJson, packageLock } = appManifest(app, packages, rootPackage, rootLock);
    // package.json also carries "type": "module", which the ESM bundle needs.
    writeFileSync(`${dir}/package.json`, `${JSON.stringify(packageJson, null, 2)}\n`);
    writeFileSync(`${dir}/package-lock.json`, `${JSON.stringify(packageLock, null, 2)}\n`);
  }),
);
console.log(`built ${apps.join(', ')}`);
