import { INTERVAL_MS } from '@klineflow/exchanges';
import {
  abbreviate,
  decimalRangeProblem,
  type StandardDepth,
  type StandardKline,
  type StandardTicker,
  type StandardTrade,
} from '@klineflow/schemas';
import { EXCHANGES, type MappedRecord } from '@klineflow/exchange-modules';
import type { Violation } from './validation.js';

/** Nothing traded on any exchange we read before 2009: an earlier time is a corrupt field, not history. */
export const MIN_EPOCH_MS = Date.UTC(2009, 0, 1);
/**
 * Longest decimal or id text accepted. Exchanges pad decimals to a fixed scale (`0.00100000`), which the
 * stores take exactly whatever its length; a megabyte of trailing zeros would still make a record too big for Kafka.
 */
export const MAX_FIELD_CHARS = 64;

/**
 * The schema only says "a non-negative integer" or "a decimal literal"; these bounds say "a value
 * the stores can hold exactly and a time that can be true": 1e23 as event_time or `1e400` as a
 * price passed the schema, and one such record stopped ClickHouse history for good.
 */
export interface Bounds {
  /**
   * How far an exchange time may lie from the moment the ingest received the frame, either way
   * (clock offsets, an exchange lagging). The simulator's sped-up clock needs a wide one.
   */
  readonly maxClockSkewMs: number;
}

export function checkBounds(mapped: MappedRecord, bounds: Bounds, fromBackfill: boolean): Violation | undefined {
  switch (mapped.channel) {
    case 'kline':
      return checkKline(mapped.record, bounds, fromBackfill);
    case 'ticker':
      return checkTicker(mapped.record, bounds);
    case 'depth':
      return checkDepth(mapped.record, bounds);
    case 'trade':
      return checkTrade(mapped.record, bounds);
  }
}

function checkKline(k: StandardKline, bounds: Bounds, fromBackfill: boolean): Violation | undefined {
  const problem =
    decimals(k, KLINE_DECIMALS) ??
    count('trade_count', k.trade_count) ??
    times(k, bounds, ['event_time']) ??
    epoch('open_time', k.open_time) ??
    epoch('close_time', k.close_time);
  if (problem) return problem;
  // Binance and HTX always publish the count; only OKX has none (README), so a null elsewhere is a corrupt field.
  if (k.trade_count === null && EXCHANGES[k.exchange].mapper.klineTradeCount)
    return violation('trade_count', null, `is missing, but ${k.exchange} always sends one`);
  // A bar cannot open after the event that reports it. History bars are legitimately old, so only
  // a live update is also held to the bar it belongs to: no earlier than one interval before it.
  if (k.open_time > k.event_time + bounds.maxClockSkewMs) return violation('open_time', k.open_time, `after event_time ${k.event_time}`);
  if (!fromBackfill && k.open_time < k.event_time - INTERVAL_MS[k.interval] - bounds.maxClockSkewMs) {
    return violation('open_time', k.open_time, `more than one ${k.interval} bar before event_time ${k.event_time}`);
  }
  return undefined;
}

function checkTicker(t: StandardTicker, bounds: Bounds): Violation | undefined {
  return decimals(t, TICKER_DECIMALS) ?? count('trade_count_24h', t.trade_count_24h) ?? times(t, bounds, ['event_time']);
}

function checkDepth(d: StandardDepth, bounds: Bounds): Violation | undefined {
  for (const side of [d.bids, d.asks]) {
    for (const [price, quantity] of side) {
      const problem = decimalProblem(price) ?? decimalProblem(quantity);
      if (problem) return { reason: 'bounds', detail: `depth level: ${problem}` };
    }
  }
  return text('update_id', d.update_id) ?? times(d, bounds, ['event_time']);
}

function checkTrade(t: StandardTrade, bounds: Bounds): Violation | undefined {
  return text('trade_id', t.trade_id) ?? decimals(t, ['price', 'quantity']) ?? times(t, bounds, ['event_time', 'trade_time']);
}

const KLINE_DECIMALS = ['open', 'high', 'low', 'close', 'volume', 'quote_volume'] as const;
const TICKER_DECIMALS = [
  'last_price',
  'last_quantity',
  'best_bid_price',
  'best_bid_quantity',
  'best_ask_price',
  'best_ask_quantity',
  'open_24h',
  'high_24h',
  'low_24h',
  'volume_24h',
  'quote_volume_24h',
] as const;

function decimals<T>(record: T, fields: readonly (keyof T & string)[]): Violation | undefined {
  for (const field of fields) {
    const value = record[field] as string | null;
    const problem = value === null ? undefined : decimalProblem(value);
    if (problem) return { reason: 'bounds', detail: `${field}: ${problem}` };
  }
  return undefined;
}

function decimalProblem(value: string): string | undefined {
  return value.length > MAX_FIELD_CHARS ? `${abbreviate(value)} is longer than ${MAX_FIELD_CHARS} characters` : decimalRangeProblem(value);
}

function text(field: string, value: string | null): Violation | undefined {
  return value !== null && value.length > MAX_FIELD_CHARS
    ? violation(field, value, `is longer than ${MAX_FIELD_CHARS} characters`)
    : undefined;
}

/** Counts stay exact in JSON and in a UInt64 column. */
function count(field: string, value: number | null): Violation | undefined {
  return value === null || Number.isSafeInteger(value) ? undefined : violation(field, value, 'is not a safe integer');
}

/** recv_time is ours (the ingest's clock); each exchange time must lie within the skew of it. */
function times<T extends { recv_time: number }>(record: T, bounds: Bounds, fields: readonly (keyof T & string)[]): Violation | undefined {
  const recv = record.recv_time;
  const problem = epoch('recv_time', recv);
  if (problem) return problem;
  for (const field of fields) {
    const value = record[field] as number;
    const invalid = epoch(field, value);
    if (invalid) return invalid;
    if (Math.abs(value - recv) > bounds.maxClockSkewMs)
      return violation(field, value, `more than ${bounds.maxClockSkewMs} ms from recv_time ${recv}`);
  }
  return undefined;
}

function epoch(field: string, value: number): Violation | undefined {
  if (!Number.isSafeInteger(value)) return violation(field, value, 'is not a safe integer');
  return value < MIN_EPOCH_MS ? violation(field, value, 'is before 2009') : undefined;
}

function violation(field: string, value: unknown, why: string): Violation {
  return { reason: 'bounds', detail: `${field} ${abbreviate(String(value))} ${why}` };
}
