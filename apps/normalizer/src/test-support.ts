import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FrameContext } from './mappers/index.js';
import type { IntegrityPolicy } from './integrity/stream.js';
import type { RawMessage } from './pipeline.js';

/** The repository's captured exchange frames (fixtures/SOURCES.md says where each came from). */
const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** Frames of a fixture file as exact text: plain lines, or captured `{src, frame|raw}` lines. */
export function fixtureFrames(file: string): string[] {
  return readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter((l) => l.trim() !== '').map((line) => {
    if (!file.startsWith('captured/')) return line;
    const entry = JSON.parse(line) as { raw?: string; frame?: unknown };
    return entry.raw ?? JSON.stringify(entry.frame);
  });
}

export function frameContext(recvTime: number, overrides: Partial<FrameContext> = {}): FrameContext {
  return { recvTime, exchangeNow: () => recvTime, ...overrides };
}

export const TEST_POLICY: IntegrityPolicy = {
  priceJumpPercent: 20,
  volumeSpikeMultiple: 50,
  volumeMedianWindow: 3,
  policies: { price_jump: 'flag', volume_spike: 'flag' },
  openBarGapGraceMs: 10_000,
  maxOpenGaps: 100,
};

/**
 * The Kafka key the ingest gives a frame: the stream it names (Binance `stream`, OKX `channel:instId`,
 * HTX `ch` or `rep`), as the ingest classifiers read it; a Binance history reply names none and is
 * keyed by the stream requested; otherwise the connection id.
 */
export function ingestKey(exchange: string, value: string, headers: Record<string, string> = {}): string {
  if (exchange === 'binance' && headers.backfill_symbol) return `${headers.backfill_symbol.toLowerCase()}@kline_${headers.backfill_interval}`;
  let frame: { stream?: unknown; arg?: { channel?: unknown; instId?: unknown }; ch?: unknown; rep?: unknown } | undefined;
  try {
    frame = JSON.parse(value) as typeof frame;
  } catch {
    return 'c1';
  }
  const name = exchange === 'binance' ? frame?.stream : exchange === 'okx' ? frame?.arg && `${String(frame.arg.channel)}:${String(frame.arg.instId)}` : (frame?.ch ?? frame?.rep);
  return typeof name === 'string' ? name : 'c1';
}

let offset = 0;
export function rawMessage(exchange: string, value: string, recvTs: number, extra: Record<string, string> = {}, key = ingestKey(exchange, value, extra)): RawMessage {
  return {
    topic: `raw.${exchange}`,
    partition: 0,
    offset: String(offset++),
    key,
    value,
    headers: { exchange, conn_id: 'c1', recv_ts: String(recvTs), kind: 'live', ...extra },
  };
}
