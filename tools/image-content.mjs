// Assembles what each app's image holds under /app (apps/<app>/Dockerfile): its bundle, and the packages
// `npm ci --omit=dev` installs from the package.json and package-lock.json tools/build.mjs wrote next to
// it, and measures it. No image registry is reachable here, so this stands in for the image size.
// The content is assembled outside the repository (KLINEFLOW_CACHE, ~/.cache/klineflow by default) so that
// nothing resolves from the root node_modules; an install is reused while its lockfile is unchanged.
//   node tools/image-content.mjs [--dist dist] [--baseline <git-rev>] [app…]
// --baseline also installs the root production dependencies of <git-rev>, what every image carried before.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CACHE_ROOT = join(process.env.KLINEFLOW_CACHE ?? join(homedir(), '.cache', 'klineflow'), 'image-content');

/** Bytes of the regular files under `path` (apparent size, as a layer's tar holds them). */
export function contentBytes(path) {
  const stat = lstatSync(path);
  if (stat.isDirectory()) return readdirSync(path).reduce((sum, name) => sum + contentBytes(join(path, name)), 0);
  return stat.isFile() ? stat.size : 0;
}

/** `npm ci --omit=dev` of the given package.json and lockfile text into `dir`, unless `dir` already holds that install. */
function installLocked(dir, packageJson, packageLock) {
  const done = join(dir, 'node_modules', '.package-lock.json');
  if (
    existsSync(done) &&
    existsSync(join(dir, 'package-lock.json')) &&
    readFileSync(join(dir, 'package-lock.json'), 'utf8') === packageLock
  )
    return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), packageJson);
  writeFileSync(join(dir, 'package-lock.json'), packageLock);
  // As the Dockerfile's deps stage does it.
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * The image content of `app` built into `distRoot` (tools/build.mjs --out): `<dir>/node_modules` and
 * `<dir>/dist/apps/<app>/`, the layout of /app in the image. Returns `dir`.
 */
export function assembleImageContent(app, distRoot = 'dist', cacheRoot = CACHE_ROOT) {
  const bundle = resolve(distRoot, 'apps', app);
  const dir = join(cacheRoot, app);
  installLocked(dir, readFileSync(join(bundle, 'package.json'), 'utf8'), readFileSync(join(bundle, 'package-lock.json'), 'utf8'));
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  cpSync(bundle, join(dir, 'dist', 'apps', app), { recursive: true });
  return dir;
}

/** The root production install of a git revision: what every image held before the images were pruned. */
function baselineNodeModules(rev) {
  const sha = execFileSync('git', ['rev-parse', '--short', rev], { encoding: 'utf8' }).trim();
  const dir = join(CACHE_ROOT, `baseline-${sha}`);
  const show = (path) => execFileSync('git', ['show', `${sha}:${path}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  installLocked(dir, show('package.json'), show('package-lock.json'));
  return join(dir, 'node_modules');
}

const MB = (bytes) => (bytes / 1e6).toFixed(1);

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const at = args.indexOf(name);
    return at < 0 ? undefined : args.splice(at, 2)[1];
  };
  const distRoot = option('--dist') ?? 'dist';
  const baselineRev = option('--baseline');
  const apps =
    args.length > 0 ? args : readdirSync(join(distRoot, 'apps')).filter((a) => existsSync(join(distRoot, 'apps', a, 'package-lock.json')));
  const baseline = baselineRev ? contentBytes(baselineNodeModules(baselineRev)) : undefined;
  console.log(
    `| app | bundle MB | node_modules MB | total MB |${baseline ? ` before (${baselineRev}, whole root node_modules) MB |` : ''} packages |`,
  );
  console.log(`|---|---|---|---|${baseline ? '---|' : ''}---|`);
  for (const app of apps) {
    const dir = assembleImageContent(app, distRoot);
    const bundle = contentBytes(join(dir, 'dist'));
    const modules = contentBytes(join(dir, 'node_modules'));
    const direct = Object.keys(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies).join(', ');
    const before = baseline ? ` ${MB(bundle + baseline)} |` : '';
    console.log(`| ${app} | ${MB(bundle)} | ${MB(modules)} | ${MB(bundle + modules)} |${before} ${direct} |`);
  }
}
