// Repository-wide checks that belong in `npm test`: strict type-checking, lint, and proof that
// the Nx module-boundary rule really rejects a library importing an app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ESLint } from 'eslint';

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

test('the whole workspace type-checks under strict TypeScript', () => {
  const result = run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test('lint passes, with module boundaries enforced from the Nx project graph', () => {
  const graph = run('npx', ['nx', 'show', 'projects']);
  assert.equal(graph.status, 0, graph.stderr);
  const result = run('npx', ['eslint', '.', '--max-warnings', '0']);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test('the code is formatted (Prettier, .prettierrc.json; `npm run format` fixes it)', () => {
  const result = run('npx', ['prettier', '--check', '.']);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test('a library importing an app is a lint error', async () => {
  const eslint = new ESLint();
  const [report] = await eslint.lintText(
    "import { startSimulator } from '../../../apps/exchange-sim/src/main.js';\nexport const x = startSimulator;\n",
    {
      filePath: 'libs/kafka/src/boundary-probe.ts',
    },
  );
  const rules = report!.messages.map((m) => m.ruleId);
  assert.ok(rules.includes('@nx/enforce-module-boundaries'), `expected a boundary violation, got ${JSON.stringify(report!.messages)}`);
});

test('production code importing @klineflow/test-support is a lint error; a test importing it is not', async () => {
  const eslint = new ESLint();
  const source = "import { TcpProxy } from '@klineflow/test-support';\nexport const proxy = new TcpProxy(1);\n";
  const rulesAt = async (filePath: string) => (await eslint.lintText(source, { filePath }))[0]!.messages.map((m) => m.ruleId);
  assert.ok((await rulesAt('libs/sink-runtime/src/boundary-probe.ts')).includes('no-restricted-imports'), 'a library source file');
  assert.ok((await rulesAt('apps/redis-writer/src/boundary-probe.ts')).includes('no-restricted-imports'), 'an app source file');
  assert.deepEqual(await rulesAt('apps/redis-writer/src/boundary-probe.test.ts'), [], 'a test file');
});
