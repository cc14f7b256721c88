import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXCHANGE_IDS } from '@klineflow/exchanges';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The generic code: the pipeline, the sinks and the shared runtimes reach an exchange only through
 * `EXCHANGES` (libs/exchange-modules), where it declares what it needs (facts, bar closing, ordering).
 */
const GENERIC_DIRS = [
  'apps/normalizer/src',
  'apps/redis-writer/src',
  'apps/clickhouse-sink/src',
  'libs/ingest-runtime/src',
  'libs/sink-runtime/src',
  'libs/kafka/src',
  'libs/config/src',
];

/** Where libs/config is keyed by exchange on purpose: per-exchange config sections, ingest ports, and the old key names. */
const KEYED_BY_EXCHANGE = ['libs/config/src/schema.ts', 'libs/config/src/services.ts', 'libs/config/src/aliases.ts'];

/** Tests and their helpers name exchanges to feed them real frames. */
const isProductionSource = (name: string) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.startsWith('test-');

function sources(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return isProductionSource(entry.name) ? [file] : [];
  });
}

test('the generic code names no exchange id as a literal', () => {
  const files = GENERIC_DIRS.flatMap(sources).filter((file) => !KEYED_BY_EXCHANGE.includes(file));
  assert.ok(files.includes('apps/normalizer/src/pipeline.ts') && files.includes('libs/ingest-runtime/src/run.ts'), 'non-vacuous');
  for (const file of files) {
    const source = readFileSync(path.join(REPO, file), 'utf8');
    for (const id of EXCHANGE_IDS) {
      assert.doesNotMatch(source, new RegExp(`['"\`]${id}['"\`]|\\b${id}:`), `${file} names ${id}`);
    }
  }
});
