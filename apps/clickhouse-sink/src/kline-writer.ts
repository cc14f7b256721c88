import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { abbreviate, validateStandardKline, type StandardKline } from '@klineflow/schemas';
import { parseSinkRecord, type SinkRecord, type SinkReject } from '@klineflow/sink-runtime';
import { KLINE_COLUMNS, KLINE_TABLE } from './ddl.js';
import { DecimalRangeError } from './decimal-text.js';
import { klineTsvRow, newestPerBar } from './rows.js';
import { isDataError } from './store-errors.js';

export interface PreparedBatch {
  /** TabSeparated text, one line per bar (newest version in the batch). */
  readonly tsv: string;
  readonly rows: number;
  readonly rejected: SinkReject[];
  readonly recvTimes: number[];
  /** Every valid record of the batch, all versions: what is written row by row if ClickHouse refuses the batch. */
  readonly klines: ReadonlyArray<{ readonly kline: StandardKline; readonly record: SinkRecord }>;
}

/** Pure: parse, validate and encode a batch. Records that cannot be stored exactly are set aside with a reason. */
export function prepareBatch(records: readonly SinkRecord[]): PreparedBatch {
  const rejected: SinkReject[] = [];
  const klines: Array<{ kline: StandardKline; record: SinkRecord }> = [];
  for (const record of records) {
    const parsed = parseSinkRecord(record, validateStandardKline);
    if ('reject' in parsed) {
      rejected.push(parsed.reject);
      continue;
    }
    klines.push({ kline: parsed.value, record });
  }
  const lines: string[] = [];
  const byKline = new Map(klines.map(({ kline, record }) => [kline, record]));
  for (const kline of newestPerBar(klines.map((k) => k.kline))) {
    try {
      lines.push(klineTsvRow(kline));
    } catch (error) {
      if (!(error instanceof DecimalRangeError)) throw error;
      rejected.push({ record: byKline.get(kline)!, reason: 'decimal_precision', detail: error.message, exchange: kline.exchange });
    }
  }
  return {
    tsv: lines.length > 0 ? `${lines.join('\n')}\n` : '',
    rows: lines.length,
    rejected,
    recvTimes: klines.map((k) => k.kline.recv_time),
    klines,
  };
}

export interface WriteResult {
  /** Rows inserted. */
  readonly rows: number;
  /** Records set aside, to be dead-lettered: unparseable, invalid, unrepresentable, or refused by ClickHouse. */
  readonly rejected: SinkReject[];
  /** How many of them ClickHouse itself refused. */
  readonly refused: number;
  readonly recvTimes: number[];
}

/** A refusal quotes ClickHouse's message, which for a parse error lists the row; enough to act on, never megabytes. */
const REFUSAL_DETAIL_CHARS = 2000;

/**
 * Writes a batch, keeping the sink's contract "throw = ClickHouse unavailable, retry". When ClickHouse
 * refuses the data itself (a parse error, a value out of range), the rows it refuses are found by
 * bisection and returned as rejects with its error text, and every other row is inserted: one bad
 * record must not stop history for good. Inserts are idempotent (ReplacingMergeTree), so a retry
 * after an availability error part-way through repeats nothing harmful.
 */
export async function writeKlines(client: ClickHouseClient, database: string, records: readonly SinkRecord[]): Promise<WriteResult> {
  const batch = prepareBatch(records);
  try {
    await insertKlines(client, database, batch.tsv);
    return { rows: batch.rows, rejected: batch.rejected, refused: 0, recvTimes: batch.recvTimes };
  } catch (error) {
    if (!isDataError(error)) throw error;
  }
  // Every version of every bar, not only the newest: a refused newest version (a corrupt event_time
  // outranks all others) must not take the bar's valid versions down with it.
  const rejected = [...batch.rejected];
  const setAside = new Set(rejected.map((r) => r.record));
  const rows: Row[] = [];
  for (const { kline, record } of batch.klines) {
    if (setAside.has(record)) continue;
    try {
      rows.push({ line: klineTsvRow(kline), record, exchange: kline.exchange });
    } catch (error) {
      if (!(error instanceof DecimalRangeError)) throw error;
      rejected.push({ record, reason: 'decimal_precision', detail: error.message, exchange: kline.exchange });
    }
  }
  const before = rejected.length;
  const half = rows.length >> 1;
  const insert = (part: readonly Row[]) => insertKlines(client, database, part.map((r) => `${r.line}\n`).join(''));
  const inserted = (await isolate(rows.slice(0, half), insert, rejected)) + (await isolate(rows.slice(half), insert, rejected));
  return { rows: inserted, rejected, refused: rejected.length - before, recvTimes: batch.recvTimes };
}

interface Row {
  readonly line: string;
  readonly record: SinkRecord;
  readonly exchange: string;
}

/** Inserts `rows`, or, if ClickHouse refuses them as data, each half in turn; a single refused row becomes a reject. Returns rows inserted. */
async function isolate(rows: readonly Row[], insert: (rows: readonly Row[]) => Promise<void>, rejected: SinkReject[]): Promise<number> {
  if (rows.length === 0) return 0;
  try {
    await insert(rows);
    return rows.length;
  } catch (error) {
    if (!isDataError(error)) throw error;
    if (rows.length === 1) {
      const row = rows[0]!;
      rejected.push({
        record: row.record,
        reason: 'clickhouse_rejected',
        detail: abbreviate((error as Error).message, REFUSAL_DETAIL_CHARS),
        exchange: row.exchange,
      });
      return 0;
    }
    const half = rows.length >> 1;
    return (await isolate(rows.slice(0, half), insert, rejected)) + (await isolate(rows.slice(half), insert, rejected));
  }
}

export async function insertKlines(client: ClickHouseClient, database: string, tsv: string): Promise<void> {
  if (tsv === '') return;
  await client.insert({
    table: `${database}.${KLINE_TABLE}`,
    // TabSeparated keeps decimals exact; 18.16 rejects quoted decimals in JSON and the default JSONCompactEachRow.
    format: 'TabSeparated',
    values: Readable.from([tsv], { objectMode: false }),
    columns: KLINE_COLUMNS.map((c) => `\`${c}\``) as [string, ...string[]],
  });
}
