import Big from 'big.js';
import { INTERVAL_MS } from '@klineflow/exchanges';
import {
  describeErrors,
  validateStandardDepth,
  validateStandardKline,
  validateStandardTicker,
  validateStandardTrade,
  type StandardKline,
} from '@klineflow/schemas';
import type { ValidateFunction } from 'ajv';
import { EXCHANGES, type MappedRecord, type RecordChannel } from '@klineflow/exchange-modules';

export interface Violation {
  readonly reason: 'schema' | 'structure' | 'bounds' | 'stream_mismatch';
  readonly detail: string;
}

const VALIDATORS: Record<RecordChannel, ValidateFunction> = {
  kline: validateStandardKline,
  ticker: validateStandardTicker,
  depth: validateStandardDepth,
  trade: validateStandardTrade,
};

export function validateRecord(mapped: MappedRecord): Violation | undefined {
  const validate = VALIDATORS[mapped.channel];
  if (!validate(mapped.record)) return { reason: 'schema', detail: describeErrors(validate) };
  return mapped.channel === 'kline' ? checkKlineStructure(mapped.record) : undefined;
}

/** `low <= min(open, close) <= max(open, close) <= high`, prices > 0, open_time on the interval grid. */
export function checkKlineStructure(k: StandardKline): Violation | undefined {
  if (!isAligned(k)) {
    return { reason: 'structure', detail: `open_time ${k.open_time} is not aligned to ${k.interval}` };
  }
  // The schema already forbids negative decimals; zero is the remaining invalid price.
  if (isZero(k.low)) return { reason: 'structure', detail: 'low is not > 0' };
  if (isZero(k.open) || isZero(k.close)) return { reason: 'structure', detail: 'open or close is not > 0' };
  const openBelowClose = compareDecimals(k.open, k.close) <= 0;
  const bodyLow = openBelowClose ? k.open : k.close;
  const bodyHigh = openBelowClose ? k.close : k.open;
  if (compareDecimals(k.low, bodyLow) > 0) return { reason: 'structure', detail: `low ${k.low} above min(open, close) ${bodyLow}` };
  if (compareDecimals(bodyHigh, k.high) > 0) return { reason: 'structure', detail: `high ${k.high} below max(open, close) ${bodyHigh}` };
  return undefined;
}

/** On the interval grid from the epoch, or for daily bars on the exchange's own day (Mapper `dailyBarUtcOffsetMs`). */
function isAligned(k: StandardKline): boolean {
  const size = INTERVAL_MS[k.interval];
  if (k.open_time % size === 0) return true;
  const dayOffset = EXCHANGES[k.exchange].mapper.dailyBarUtcOffsetMs;
  return dayOffset !== undefined && k.interval === '1d' && (k.open_time + dayOffset) % size === 0;
}

const HAS_EXPONENT = /[eE]/;

function isZero(decimal: string): boolean {
  for (let i = 0; i < decimal.length; i++) {
    const c = decimal.charCodeAt(i);
    if (c === 101 || c === 69) return true; // only zeros before the exponent
    if (c >= 49 && c <= 57) return false; // a digit 1-9
  }
  return true;
}

/**
 * Exact comparison of two non-negative decimal strings. Plain decimals (all but HTX's
 * exponent form) are compared as text, which costs no parsing; exponents fall back to big.js.
 */
export function compareDecimals(a: string, b: string): number {
  if (HAS_EXPONENT.test(a) || HAS_EXPONENT.test(b)) return new Big(a).cmp(new Big(b));
  const [aInt, aFrac] = splitDecimal(a);
  const [bInt, bFrac] = splitDecimal(b);
  if (aInt.length !== bInt.length) return aInt.length < bInt.length ? -1 : 1;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  const width = Math.max(aFrac.length, bFrac.length);
  const af = aFrac.padEnd(width, '0');
  const bf = bFrac.padEnd(width, '0');
  return af === bf ? 0 : af < bf ? -1 : 1;
}

function splitDecimal(decimal: string): [string, string] {
  const dot = decimal.indexOf('.');
  let int = dot < 0 ? decimal : decimal.slice(0, dot);
  let start = 0;
  while (start < int.length - 1 && int.charCodeAt(start) === 48) start++;
  if (start > 0) int = int.slice(start);
  return [int, dot < 0 ? '' : decimal.slice(dot + 1)];
}
