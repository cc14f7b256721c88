import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { EXCHANGE_IDS } from '@klineflow/exchanges';

/** The generic normalizer code: what an exchange needs it declares on its mapper (bar closing, day grid, ordering). */
const GENERIC = ['pipeline.ts', 'validation.ts', 'integrity/stream.ts', 'integrity/sanity.ts'];

test('the generic normalizer code names no exchange id as a literal', () => {
  for (const file of GENERIC) {
    const source = readFileSync(new URL(file, import.meta.url), 'utf8');
    for (const id of EXCHANGE_IDS) {
      assert.doesNotMatch(source, new RegExp(`['"\`]${id}['"\`]|\\b${id}:`), `${file} names ${id}`);
    }
  }
});
