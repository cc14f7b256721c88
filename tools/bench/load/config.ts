// The benchmark's config: config/local-sim.toml scaled to N symbols on every exchange, with the
// bench's own Redis key prefix and ClickHouse database, and enough connections per exchange for
// its streams (computed with the ingest's own connection planner, within each exchange's limits).
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { parseConfig, resolveExchange, type KlineflowConfig } from '@klineflow/config';
import { EXCHANGE_IDS, INTERVALS, type Channel } from '@klineflow/exchanges';
import { EXCHANGES } from '@klineflow/exchange-modules';
import { planConnections, planStreams } from '@klineflow/ingest-runtime';
import { BENCH_EXCHANGES, isBenchExchange, type BenchExchange } from '../shared/exchanges.js';

/** Redis keys and channels of the benchmark: never a user's. */
export const BENCH_KEY_PREFIX = 'klineflow-bench-load:';
/** ClickHouse database of the benchmark, dropped and recreated by each run. */
export const BENCH_DATABASE = 'klineflow_bench_load';

/**
 * Synthetic symbols `LB0001USDT` …: names no one else streams, so the bench may clear their
 * normalizer state between runs without touching anyone's (BTCUSDT of a local-sim run, say).
 */
export function benchSymbols(count: number): string[] {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => `LB${String(i + 1).padStart(width, '0')}USDT`);
}

/** Whether `text` (a Kafka key `binance:LB0001USDT:1m`, a channel, a symbol) starts at `from` with a bench symbol. */
export function isBenchSymbolAt(text: string, from: number): boolean {
  return text.startsWith('LB', from) && text.charCodeAt(from + 2) >= 48 && text.charCodeAt(from + 2) <= 57;
}

export interface ExchangePlan {
  readonly streams: number;
  /** Streams × redundancy: what the simulator counts as subscribed once every connection is up. */
  readonly subscriptions: number;
  readonly connections: number;
  readonly maxConnections: number;
}

export interface BenchConfig {
  readonly toml: string;
  readonly config: KlineflowConfig;
  readonly symbols: readonly string[];
  readonly plans: Record<BenchExchange, ExchangePlan>;
}

type Table = Record<string, unknown>;

/** Seconds of silence before a connection is replaced, in the benchmark only (see benchConfig). */
export const SIMULATOR_LIVENESS_TIMEOUT_S = 5;
const table = (parent: Table, key: string): Table => (parent[key] ??= {}) as Table;

export interface BenchConfigOptions {
  readonly symbols: number;
  readonly speed: number;
  readonly channels: readonly Channel[];
  /** Connections per shard where not 1 (the scale chaos run: OKX on hot standby, as in the chaos suite). */
  readonly redundancy?: Partial<Record<BenchExchange, number>>;
}

export function benchConfig(baseToml: string, options: BenchConfigOptions): BenchConfig {
  const doc = parseToml(baseToml) as Table;
  const symbols = benchSymbols(options.symbols);
  const simulator = table(doc, 'simulator');
  simulator.enabled = true;
  simulator.speed = options.speed;
  const updateMs = typeof simulator.update_interval_ms === 'number' ? simulator.update_interval_ms : 2000;
  // Graces are measured on the exchange clock: a faster clock needs them scaled (as the e2e suite does at 60×).
  const integrity = table(doc, 'integrity');
  integrity.inferred_close_grace_ms = Math.max(3000, Math.round(1.5 * updateMs * options.speed));
  integrity.open_bar_gap_grace_ms = Math.max(10_000, Math.round(10_000 * options.speed));
  // The exchange clock pulls ahead of ours by (speed - 1) s per second; beyond the skew the normalizer refuses its times.
  if (options.speed > 1) integrity.max_clock_skew_ms = 30 * 86_400_000;
  const websocket = table(doc, 'websocket');
  // config/local-sim.toml lists every exchange; the bench runs its seed scale, the others stay off.
  for (const exchange of EXCHANGE_IDS) if (!isBenchExchange(exchange)) table(websocket, exchange).enabled = false;
  for (const exchange of BENCH_EXCHANGES) {
    const section = table(websocket, exchange);
    section.enabled = true;
    section.symbols = symbols;
    section.intervals = [...INTERVALS];
    section.channels = [...options.channels];
    section.max_connections = 1_000_000; // planned below
    // The simulator shares the 2 cores with everything else and at this scale stalls for 1.5–2.3 s every
    // minute or two; with the default 1.5 s deadline every connection of an exchange was replaced at
    // once, and the reconnect storms fed the stalls (3,859 replacements in a 10-minute run, a third of
    // HTX's frames lost). A remote exchange does not stall with our CPU: the benchmark measures the
    // pipeline, so it allows for the co-located simulator (BENCHMARKS.md, RELIABILITY.md).
    section.liveness_timeout = SIMULATOR_LIVENESS_TIMEOUT_S;
    const redundancy = options.redundancy?.[exchange];
    if (redundancy !== undefined) section.redundancy = redundancy;
  }
  table(table(doc, 'storage'), 'redis').key_prefix = BENCH_KEY_PREFIX;
  table(table(doc, 'storage'), 'clickhouse').database = BENCH_DATABASE;

  const base = parseToml(baseToml) as Table;
  const plans = {} as Record<BenchExchange, ExchangePlan>;
  const planned = parseConfig(stringifyToml(doc), {}, 'generated bench config');
  for (const exchange of BENCH_EXCHANGES) {
    const resolved = resolveExchange(planned, exchange)!;
    const connections = planConnections(resolved, EXCHANGES[exchange].protocol, planned.ingest).length * resolved.redundancy;
    const configured = ((base.websocket as Table | undefined)?.[exchange] as Table | undefined)?.max_connections;
    const maxConnections = Math.max(typeof configured === 'number' ? configured : 50, connections);
    table(websocket, exchange).max_connections = maxConnections;
    const streams = planStreams(resolved, EXCHANGES[exchange].protocol).length;
    plans[exchange] = { streams, subscriptions: streams * resolved.redundancy, connections, maxConnections };
  }
  const toml =
    `# Generated by tools/bench/load from config/local-sim.toml (${options.symbols} symbols per exchange,\n` +
    `# speed ${options.speed}, channels ${options.channels.join(',')}); written under dist/, never committed.\n` +
    stringifyToml(doc) +
    '\n';
  return { toml, config: parseConfig(toml, {}, 'generated bench config'), symbols, plans };
}
