// The config the benchmarked apps run with: the local stack, the benchmark's own Redis prefix and
// ClickHouse database, /metrics ports away from a running platform's; every other key at its default.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DATABASE, BENCH_KEY_PREFIX } from './stores.js';

export interface BenchEndpoints {
  readonly brokers: readonly string[];
  readonly redisUrl: string;
  readonly clickhouseUrl: string;
}

export const LOCAL_STACK: BenchEndpoints = {
  brokers: ['127.0.0.1:9092'],
  redisUrl: 'redis://127.0.0.1:6379/0',
  clickhouseUrl: 'http://127.0.0.1:8123',
};

export function benchConfigToml(endpoints: BenchEndpoints): string {
  const list = (items: readonly string[]) => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
  return `# Written by tools/bench/drain (npm run bench:drain): the apps under benchmark read this.
[kafka]
brokers = ${list(endpoints.brokers)}

[storage.redis]
url = ${JSON.stringify(endpoints.redisUrl)}
key_prefix = ${JSON.stringify(BENCH_KEY_PREFIX)}

[storage.clickhouse]
url = ${JSON.stringify(endpoints.clickhouseUrl)}
database = ${JSON.stringify(BENCH_DATABASE)}

[metrics.ports]
exchange_sim = 19500
ingest_binance = 19501
ingest_okx = 19502
ingest_huobi = 19503
normalizer = 19504
redis_writer = 19505
clickhouse_sink = 19506
`;
}

export function writeBenchConfig(dir: string, endpoints: BenchEndpoints): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'bench.toml');
  writeFileSync(file, benchConfigToml(endpoints));
  return file;
}
