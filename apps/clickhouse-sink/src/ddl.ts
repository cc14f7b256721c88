import type { ClickHouseClient } from '@clickhouse/client';

export const KLINE_TABLE = 'klines';

/** Insert column order; the TSV rows of rows.ts follow it. */
export const KLINE_COLUMNS = [
  'exchange',
  'symbol',
  'interval',
  'interval_ms',
  'open_time',
  'close_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quote_volume',
  'trade_count',
  'is_closed',
  'event_time',
  'recv_time',
  'version',
] as const;

/**
 * Runs on ClickHouse 18.16 (the Debian package here) and 26.9 (deploy/clickhouse.stack.test.ts): no DateTime64,
 * no LowCardinality, no TTL; `interval` is back-quoted because it is a keyword. Times are UInt64
 * ms; the monthly partition is derived from open_time. ReplacingMergeTree keeps, per bar, the
 * row with the highest `version` (see rows.ts), so replays and corrections collapse under FINAL.
 *
 * The sort key uses `interval_ms` (1:1 with `interval`) instead of `interval`: 18.16 writes its
 * table metadata with the keyword unquoted, and a key expression naming `interval` then fails
 * to parse when the server restarts, which stops the whole server from starting.
 */
export function klineTableDdl(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${database}.${KLINE_TABLE} (
  exchange String,
  symbol String,
  \`interval\` String,
  interval_ms UInt32,
  open_time UInt64,
  close_time UInt64,
  open Decimal(38, 18),
  high Decimal(38, 18),
  low Decimal(38, 18),
  close Decimal(38, 18),
  volume Decimal(38, 18),
  quote_volume Decimal(38, 18),
  trade_count Nullable(UInt64),
  is_closed UInt8,
  event_time UInt64,
  recv_time UInt64,
  version UInt64,
  inserted_at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(toDate(intDiv(open_time, 1000)))
ORDER BY (exchange, symbol, interval_ms, open_time)`;
}

export async function ensureSchema(client: ClickHouseClient, database: string): Promise<void> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  await client.command({ query: klineTableDdl(database) });
}
