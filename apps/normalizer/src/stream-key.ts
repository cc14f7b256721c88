import type { MappedRecord, StreamIdentity } from '@klineflow/exchange-modules';

/** A record belongs to the frame's stream (its protocol's `streamOfKey`) when symbol, channel and (for klines) interval all agree. */
export function matchesStream(mapped: MappedRecord, stream: StreamIdentity): boolean {
  if (mapped.channel !== stream.channel || mapped.record.symbol !== stream.symbol) return false;
  return mapped.channel !== 'kline' || mapped.record.interval === stream.interval;
}
