import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { INTERVALS, parseSymbol, type ExchangeId } from '@klineflow/exchanges';
import { resolveSymbol, toNativeInterval } from './facts.js';
import type { BarClosing, FrameContext } from './mapper.js';
import type { ExchangeModule } from './module.js';

/** The repository's captured exchange frames (fixtures/SOURCES.md says where each came from). */
const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** Frames of a fixture file as exact text: plain lines, or captured `{src, frame|raw}` lines. */
export function fixtureFrames(file: string): string[] {
  return readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      if (!file.startsWith('captured/')) return line;
      const entry = JSON.parse(line) as { raw?: string; frame?: unknown };
      return entry.raw ?? JSON.stringify(entry.frame);
    });
}

export function frameContext(recvTime: number, overrides: Partial<FrameContext> = {}): FrameContext {
  return { recvTime, exchangeNow: () => recvTime, ...overrides };
}

/**
 * An exchange's own facts as docs/PROTOCOLS.md has them, each its own test in the exchange's folder
 * (<exchange>/module.test.ts): its native interval names (where it differs from ours), how it spells
 * BTCUSDT, and how its bars close.
 */
export function testModuleFacts(
  exchange: ExchangeId,
  module: ExchangeModule,
  expected: { readonly name: string; readonly intervals?: readonly string[]; readonly btcusdt: string; readonly barClosing: BarClosing },
): void {
  const { intervals } = expected;
  if (intervals)
    test(`${expected.name} intervals, as in the docs/PROTOCOLS.md table`, () => {
      assert.deepEqual(
        INTERVALS.map((i) => toNativeInterval(exchange, i)),
        intervals,
      );
    });
  test(`BTCUSDT is ${expected.btcusdt} on ${expected.name}`, () => {
    assert.equal(resolveSymbol(exchange, parseSymbol('BTCUSDT')).native, expected.btcusdt);
  });
  test(`bars close ${expected.barClosing === 'flagged' ? "by the exchange's flag" : 'by inference (no closed flag)'} on ${expected.name}`, () => {
    assert.equal(module.mapper.barClosing, expected.barClosing);
  });
}
