// Installs the npm packages when a fresh clone has none, for `npm start` and `npm test` alike.
// Plain Node with no dependencies, because it runs before `npm ci`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** npm writes this file at the end of a complete install. */
const INSTALLED_MARKER = 'node_modules/.package-lock.json';

/** Runs `npm ci` in the current directory unless its packages are installed; exits the process if npm fails. */
export function ensureNpmPackages(prefix) {
  if (existsSync(INSTALLED_MARKER)) return;
  console.error(`${prefix} installing npm packages`);
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${prefix} failed: npm ci --no-audit --no-fund`);
    process.exit(result.status ?? 1);
  }
}
