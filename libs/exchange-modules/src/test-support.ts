import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameContext } from './mapper.js';

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
