// The documentation's commands and paths exist: every `npm start` / `npm test` / `npm run <script>`
// written in a doc's code (inline or fenced) is a script of package.json, and every repository path
// in that code (`libs/kafka/src/client.ts`, `--config config/local-sim.toml`, `bash tools/stack/stack.sh`,
// `apps/ingest-<exchange>` with <placeholders> and * matching at least one entry) exists.
//
// What counts as a path: a word of code with a slash whose first folder is one of the repository's
// top-level folders (resolved from the root), or a folder beside the doc (resolved from the doc's
// folder: `src/kafka-loop.ts` in apps/normalizer/README.md); and a bare file name with a known
// extension (`BENCHMARKS.md`, `run.ts`), found at the root, beside the doc or in its src/. Build
// output (dist/) is not checked, and neither is anything outside the repository (`shared/fixtures/`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Top-level folders a root-relative path in a doc may start with (dist/ is build output). */
const ROOT_FOLDERS = ['.ci', '.github', 'apps', 'config', 'deploy', 'docs', 'fixtures', 'k8s', 'libs', 'tools'];
const FILE_NAME = /^\w[\w.-]*\.(md|ts|mjs|js|json|toml|ya?ml|sh|xml|properties)$/;

function docFiles(): string[] {
  const under = (dir: string, keep: (name: string) => boolean): string[] =>
    existsSync(path.join(REPO, dir))
      ? readdirSync(path.join(REPO, dir))
          .filter(keep)
          .map((name) => path.posix.join(dir, name))
      : [];
  const readmes = (dir: string): string[] =>
    under(dir, () => true)
      .map((d) => `${d}/README.md`)
      .filter((f) => existsSync(path.join(REPO, f)));
  const toolReadmes = (dir: string): string[] =>
    readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
      if (!e.isDirectory()) return e.name === 'README.md' ? [`${dir}/README.md`] : [];
      return toolReadmes(`${dir}/${e.name}`);
    });
  return [
    'README.md',
    'RELIABILITY.md',
    'BENCHMARKS.md',
    'k8s/README.md',
    'fixtures/SOURCES.md',
    ...under('docs', (n) => n.endsWith('.md')),
    ...readmes('libs'),
    ...readmes('apps'),
    ...toolReadmes('tools'),
  ].filter((f) => existsSync(path.join(REPO, f)));
}

/** The code of a Markdown text: fenced blocks and inline spans. */
export function codeOf(markdown: string): string[] {
  const blocks: string[] = [];
  const prose = markdown.replace(/^```[^\n]*\n([\s\S]*?)^```/gm, (_, body: string) => {
    blocks.push(body);
    return '';
  });
  for (const match of prose.matchAll(/`([^`\n]+)`/g)) blocks.push(match[1]!);
  return blocks;
}

/** Whether a path with <placeholder> and * segments matches at least one entry under `base`. */
function pathExists(base: string, relative: string): boolean {
  const segments = relative.replace(/\/+$/, '').split('/');
  let dirs = [base];
  for (const segment of segments) {
    if (!/[<*]/.test(segment)) {
      dirs = dirs.map((d) => path.join(d, segment)).filter((p) => existsSync(p));
      continue;
    }
    const pattern = new RegExp(
      `^${segment
        .split(/(<[^>]*>|\*)/)
        .map((part) => (/^(<[^>]*>|\*)$/.test(part) ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
        .join('')}$`,
    );
    dirs = dirs.flatMap((d) =>
      existsSync(d) && statSync(d).isDirectory()
        ? readdirSync(d)
            .filter((n) => pattern.test(n))
            .map((n) => path.join(d, n))
        : [],
    );
  }
  return dirs.length > 0;
}

/** Problems with the commands and paths in one doc's code, given the npm scripts there are. */
export function checkDoc(repo: string, doc: string, markdown: string, scripts: Record<string, string>): string[] {
  const problems: string[] = [];
  const docDir = path.join(repo, path.dirname(doc));
  for (const code of codeOf(markdown)) {
    for (const match of code.matchAll(/\bnpm (run(?:-script)? ([\w:.-]+)|start|test)\b/g)) {
      const script = match[2] ?? match[1]!;
      if (!(script in scripts)) problems.push(`${doc}: \`${match[0]}\`: package.json has no script "${script}"`);
    }
    for (const raw of code.split(/\s+/)) {
      const word = raw
        .replace(/^['"(]+|['"),;:.]+$/g, '')
        .replace(/:\d+$/, '')
        .replace(/#.*$/, '');
      if (word === '' || /^[a-z]+:\/\//.test(word) || word.startsWith('@')) continue;
      if (word.includes('/')) {
        const first = word.split('/')[0]!;
        if (ROOT_FOLDERS.includes(first)) {
          if (!pathExists(repo, word)) problems.push(`${doc}: \`${word}\` does not exist`);
        } else if (
          path.resolve(docDir) !== path.resolve(repo) &&
          !['', '.', '..', 'dist'].includes(first) &&
          !/[<*]/.test(first) &&
          existsSync(path.join(docDir, first))
        ) {
          if (!pathExists(docDir, word)) problems.push(`${doc}: \`${word}\` (beside the doc) does not exist`);
        }
      } else if (FILE_NAME.test(word) && word === raw.replace(/[,;:]$/, '')) {
        const found = [repo, docDir, path.join(docDir, 'src')].some((dir) => existsSync(path.join(dir, word)));
        if (!found) problems.push(`${doc}: \`${word}\` is not at the root, beside the doc or in its src/`);
      }
    }
  }
  return [...new Set(problems)];
}

const scripts = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

test('every npm script and repository path written in the docs exists', () => {
  const docs = docFiles();
  assert.ok(
    docs.includes('README.md') && docs.includes('docs/PROTOCOLS.md') && docs.includes('libs/ingest-runtime/README.md'),
    docs.join(', '),
  );
  const problems = docs.flatMap((doc) => checkDoc(REPO, doc, readFileSync(path.join(REPO, doc), 'utf8'), scripts));
  assert.deepEqual(problems, []);
});

test('the README quick start commands are npm scripts', () => {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  for (const command of ['npm start', 'npm test', 'npm start -- --config config/local-sim.toml'])
    assert.ok(readme.includes(command), command);
});

test('a missing npm script or path in a doc is reported', () => {
  const doc = [
    'Run `npm run no-such-script` or `npm start -- --config config/no-such.toml`.',
    '```bash',
    'npm test',
    'node --import tsx --test libs/no-such-lib/src/x.test.ts',
    'bash tools/stack/stack.sh up',
    '```',
    'See `apps/ingest-<exchange>`, `apps/no-such-<app>`, `NO-SUCH.md`, `dist/apps/<app>/main.js` and `dist/no-such.json`.',
  ].join('\n');
  const problems = checkDoc(REPO, 'README.md', doc, { start: '', test: '' }).sort();
  assert.deepEqual(problems, [
    'README.md: `NO-SUCH.md` is not at the root, beside the doc or in its src/',
    'README.md: `apps/no-such-<app>` does not exist',
    'README.md: `config/no-such.toml` does not exist',
    'README.md: `libs/no-such-lib/src/x.test.ts` does not exist',
    'README.md: `npm run no-such-script`: package.json has no script "no-such-script"',
  ]);
  // With the scripts and files there, the same commands pass.
  assert.deepEqual(checkDoc(REPO, 'README.md', 'Run `npm test`, `npm run lint` and `bash tools/stack/stack.sh up`.', scripts), []);
});
