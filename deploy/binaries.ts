// Locates the CLI tools the deploy tests drive, and chdb (ClickHouse 26 in-process). `npm test`
// (tools/test.mjs, for any test file that imports this one) and CI install them with `bash tools/stack/stack.sh install-test-tools`; a
// missing one fails the test with that instruction rather than skipping it.
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const INSTALL_HINT = 'install it with `bash tools/stack/stack.sh install-test-tools`';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const CACHE = process.env.KLINEFLOW_CACHE ?? join(homedir(), '.cache', 'klineflow');

export function helmPath(): string {
  const path = join(CACHE, 'bin', 'helm');
  if (!executable(path)) throw new Error(`helm not found at ${path}: ${INSTALL_HINT}`);
  return path;
}

export function promtoolPath(): string {
  const found = (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'promtool'))
    .find(executable);
  if (!found) throw new Error(`promtool not found on PATH (Debian package "prometheus"): ${INSTALL_HINT}`);
  return found;
}

/** The chdb-core release stack.sh installs; it embeds the ClickHouse release of the same number. */
export const CHDB_VERSION = /^CHDB_VERSION="([\d.]+)"$/m.exec(readFileSync('tools/stack/stack.sh', 'utf8'))?.[1] ?? 'unknown';

/** Python of the venv that holds chdb-core (ClickHouse in-process). */
export function chdbPython(): string {
  const path = join(CACHE, `chdb-${CHDB_VERSION}`, 'bin', 'python');
  if (!executable(path)) throw new Error(`chdb-core ${CHDB_VERSION} not found at ${path}: ${INSTALL_HINT}`);
  return path;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], cwd?: string): RunResult {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd, maxBuffer: 32 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export const CHART_DIR = 'deploy/helm/klineflow';
export const RENDERED_MANIFESTS = 'k8s/klineflow.yaml';
/** The exact command k8s/README.md documents; the helm built from source defaults to Kubernetes 1.20. */
export const RENDER_ARGS = ['template', 'klineflow', CHART_DIR, '--namespace', 'klineflow', '--kube-version', '1.30.0'] as const;
