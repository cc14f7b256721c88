import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { validateStandardKline, type StandardKline } from '@klineflow/schemas';
import { parseSinkRecord, type SinkRecord, type SinkReject } from '@klineflow/sink-runtime';
import { KLINE_COLUMNS, KLINE_TABLE } from './ddl.js';
import { DecimalRangeError } from './decimal-text.js';
import { klineTsvRow, newestPerBar } from './rows.js';

export interface PreparedBatch {
  /** TabSeparated text, one line per bar (newest version in the batch). */
  readonly tsv: string;
  readonly rows: number;
  readonly rejected: SinkReject[];
  readonly recvTimes: number[];
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
  return { tsv: lines.length > 0 ? `${lines.join('\n')}\n` : '', rows: lines.length, rejected, recvTimes: klines.map((k) => k.kline.recv_time) };
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
