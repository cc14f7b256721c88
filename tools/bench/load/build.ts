// Before a run of the whole platform (bench:load, chaos:scale): the app bundles are rebuilt when
// older than their sources, and the local stack is brought up.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PLATFORM_APPS } from '@klineflow/process-runner';
import { BenchAbort } from './runner.js';

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const file = path.join(dir, name);
    const stat = statSync(file);
    if (stat.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/** Builds when a bundle is missing or older than the newest app or library source. */
export function buildIfNeeded(): void {
  const bundles = [...PLATFORM_APPS, 'exchange-sim'].map((app) => `dist/apps/${app}/main.js`);
  const oldest = Math.min(...bundles.map((b) => (existsSync(b) ? statSync(b).mtimeMs : 0)));
  if (oldest > Math.max(newestSource('apps'), newestSource('libs'))) return;
  console.error('[bench] building the apps');
  if (spawnSync(process.execPath, ['tools/build.mjs'], { stdio: 'inherit' }).status !== 0) throw new BenchAbort('build failed');
}

export function stackUp(): void {
  console.error('[bench] bringing the local stack up');
  if (spawnSync('bash', ['tools/stack/stack.sh', 'up'], { stdio: 'inherit' }).status !== 0)
    throw new BenchAbort('tools/stack/stack.sh up failed');
}
