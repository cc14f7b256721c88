import { INTERVAL_MS } from '@klineflow/exchanges';
import type { StandardKline } from '@klineflow/schemas';
import { toPlainDecimal } from './decimal-text.js';

/**
 * ReplacingMergeTree keeps the highest version per bar. event_time orders updates; the closed
 * flag breaks a tie, because HTX re-emits its last tick as the closed bar with the same time.
 */
export function rowVersion(kline: StandardKline): number {
  return kline.event_time * 2 + (kline.is_closed ? 1 : 0);
}

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** TabSeparated escaping of a text field. Validated records never need it; a schema change must not be able to split a row. */
export function escapeTsv(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => TSV_ESCAPES[c]!) : text;
}

/** One TabSeparated line in KLINE_COLUMNS order. */
export function klineTsvRow(k: StandardKline): string {
  return [
    escapeTsv(k.exchange),
    escapeTsv(k.symbol),
    escapeTsv(k.interval),
    INTERVAL_MS[k.interval],
    k.open_time,
    k.close_time,
    toPlainDecimal(k.open),
    toPlainDecimal(k.high),
    toPlainDecimal(k.low),
    toPlainDecimal(k.close),
    toPlainDecimal(k.volume),
    toPlainDecimal(k.quote_volume),
    k.trade_count === null ? '\\N' : k.trade_count,
    k.is_closed ? 1 : 0,
    k.event_time,
    k.recv_time,
    rowVersion(k),
  ].join('\t');
}

/**
 * Only the newest version of each bar in a batch needs to reach ClickHouse: open-bar updates
 * arrive every ~2 s per stream, and the older ones would be replaced under FINAL anyway.
 */
export function newestPerBar(klines: readonly StandardKline[]): StandardKline[] {
  const newest = new Map<string, StandardKline>();
  for (const k of klines) {
    const key = `${k.exchange}\u0000${k.symbol}\u0000${k.interval}\u0000${k.open_time}`;
    const current = newest.get(key);
    if (!current || rowVersion(k) >= rowVersion(current)) newest.set(key, k);
  }
  return [...newest.values()];
}
