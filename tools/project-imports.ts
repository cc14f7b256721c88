// The projects' dependencies as the code states them: which `@klineflow/*` packages each project's
// files import. A plain text scan, independent of Nx, so tests can hold the Nx graph against it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Projects as folders: project name (the folder's name) -> its package name, e.g. kafka -> @klineflow/kafka. */
export function projects(root: string): Map<string, { dir: string; packageName: string }> {
  const out = new Map<string, { dir: string; packageName: string }>();
  for (const group of ['apps', 'libs']) {
    for (const name of readdirSync(path.join(root, group))) {
      const dir = path.join(group, name);
      if (!existsSync(path.join(root, dir, 'project.json'))) continue;
      const project = JSON.parse(readFileSync(path.join(root, dir, 'project.json'), 'utf8')) as { name: string };
      const pkg = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { name: string };
      out.set(project.name, { dir, packageName: pkg.name });
    }
  }
  return out;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) tsFiles(file, out);
    else if (name.endsWith('.ts')) out.push(file);
  }
  return out;
}

/** project -> the projects whose package it names in an import (static, dynamic or type-only). */
export function importEdges(root: string): Map<string, Set<string>> {
  const all = projects(root);
  const byPackage = new Map([...all].map(([name, { packageName }]) => [packageName, name]));
  const edges = new Map<string, Set<string>>();
  for (const [name, { dir }] of all) {
    const deps = new Set<string>();
    for (const file of tsFiles(path.join(root, dir))) {
      for (const match of readFileSync(file, 'utf8').matchAll(
        /(?:from\s+|import\s*\(\s*|import\s+)['"](@klineflow\/[a-z0-9-]+)(?:\/[a-z0-9-]+)?['"]/g,
      )) {
        const dep = byPackage.get(match[1]!);
        assert.ok(dep, `${file} imports ${match[1]}, which is no project`);
        if (dep !== name) deps.add(dep);
      }
    }
    edges.set(name, deps);
  }
  return edges;
}

/** Every project that reaches `lib` through imports, `lib` included. */
export function dependents(edges: Map<string, Set<string>>, lib: string): Set<string> {
  const reached = new Set([lib]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [project, deps] of edges) {
      if (!reached.has(project) && [...deps].some((d) => reached.has(d))) {
        reached.add(project);
        grew = true;
      }
    }
  }
  return reached;
}
