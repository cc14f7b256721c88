// The drain benchmark's own corner of Redis and ClickHouse: a key prefix and a database of its own,
// emptied before a sink drains into them and after, so the user's data is never touched.
import { createClient } from '@clickhouse/client';
import { countKeysUnder, deleteKeysUnder } from '../shared/redis-keys.js';
import { KLINE_TABLE } from '../../../apps/clickhouse-sink/src/ddl.js';

export const BENCH_KEY_PREFIX = 'bench-drain:';
export const BENCH_DATABASE = 'klineflow_bench_drain';

/** Deletes every key under the benchmark's prefix. Returns how many. */
export function clearRedisPrefix(url: string, prefix = BENCH_KEY_PREFIX): Promise<number> {
  return deleteKeysUnder(url, prefix);
}

export function countRedisKeys(url: string, prefix = BENCH_KEY_PREFIX): Promise<number> {
  return countKeysUnder(url, prefix);
}

function benchClient(url: string, database: string) {
  if (!database.includes('bench')) throw new Error(`refusing to touch ClickHouse database "${database}": not a benchmark database`);
  return createClient({ url, request_timeout: 60_000 });
}

/** Drops the benchmark database's kline table (the sink recreates it at start-up). */
export async function dropBenchTable(url: string, database = BENCH_DATABASE): Promise<void> {
  const client = benchClient(url, database);
  try {
    await client.command({ query: `DROP TABLE IF EXISTS ${database}.${KLINE_TABLE}` });
  } finally {
    await client.close();
  }
}

/** Distinct bars (exchange, symbol, interval, open time) in the benchmark table, whatever merges have collapsed yet. */
export async function countBenchBars(url: string, database = BENCH_DATABASE): Promise<number> {
  const client = benchClient(url, database);
  try {
    const query = `SELECT count() AS n FROM (SELECT 1 FROM ${database}.${KLINE_TABLE} GROUP BY exchange, symbol, interval_ms, open_time)`;
    const result = await client.query({ query, format: 'JSONEachRow' });
    const [row] = await result.json<{ n: string | number }>();
    return Number(row?.n ?? 0);
  } finally {
    await client.close();
  }
}
