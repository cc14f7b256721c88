import type { IntegrityPolicy } from './integrity/stream.js';
import type { RawMessage } from './pipeline.js';

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
  if (exchange === 'binance' && headers.backfill_symbol)
    return `${headers.backfill_symbol.toLowerCase()}@kline_${headers.backfill_interval}`;
  let frame: { stream?: unknown; arg?: { channel?: unknown; instId?: unknown }; ch?: unknown; rep?: unknown } | undefined;
  try {
    frame = JSON.parse(value) as typeof frame;
  } catch {
    return 'c1';
  }
  const name =
    exchange === 'binance'
      ? frame?.stream
      : exchange === 'okx'
        ? frame?.arg && `${String(frame.arg.channel)}:${String(frame.arg.instId)}`
        : (frame?.ch ?? frame?.rep);
  return typeof name === 'string' ? name : 'c1';
}

let offset = 0;
export function rawMessage(
  exchange: string,
  value: string,
  recvTs: number,
  extra: Record<string, string> = {},
  key = ingestKey(exchange, value, extra),
): RawMessage {
  return {
    topic: `raw.${exchange}`,
    partition: 0,
    offset: String(offset++),
    key,
    value,
    headers: { exchange, conn_id: 'c1', recv_ts: String(recvTs), kind: 'live', ...extra },
  };
}
