// A throw-away clone of this checkout's committed HEAD that can run the repository's commands
// (nx, the build, the unit tests) without touching the working tree other people edit.
//
// The clone gets its own node_modules directory whose entries are symlinks into this checkout's
// node_modules (no network, no `npm ci` of ~300 packages), except the workspace links
// (`@klineflow/*`), which point at the clone's own apps/ and libs/ as npm would make them: a symlink
// to this checkout's whole node_modules would resolve those to this checkout's sources and prove
// nothing. `.package-lock.json` is linked too, so tools/npm-packages.mjs sees the packages as installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));

export function git(cwd: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** node_modules of the clone: links into this checkout's packages, workspace links into the clone. */
export function linkNodeModules(clone: string): void {
  const source = path.join(REPO, 'node_modules');
  const target = path.join(clone, 'node_modules');
  mkdirSync(path.join(target, '@klineflow'), { recursive: true });
  for (const entry of readdirSync(source)) {
    if (entry === '@klineflow') continue;
    symlinkSync(path.join(source, entry), path.join(target, entry));
  }
  for (const dir of ['apps', 'libs']) {
    for (const project of readdirSync(path.join(clone, dir))) {
      symlinkSync(path.join('..', '..', dir, project), path.join(target, '@klineflow', project));
    }
  }
}

export interface TempClone {
  /** The empty temporary folder holding the clone, and nothing else. */
  readonly parent: string;
  /** The clone's root. */
  readonly root: string;
  /** Deletes the clone and its parent folder. */
  dispose(): void;
}

/** Clones HEAD into a new temporary folder; with `withNodeModules`, links node_modules as above. */
export function cloneHead(prefix: string, withNodeModules = true): TempClone {
  const parent = mkdtempSync(path.join(tmpdir(), prefix));
  const root = path.join(parent, 'klineflow');
  try {
    git(parent, ['clone', '--quiet', '--no-hardlinks', REPO, root]);
    if (withNodeModules) linkNodeModules(root);
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
  return { parent, root, dispose: () => rmSync(parent, { recursive: true, force: true }) };
}
