import { ConfigError, type ResolvedExchangeConfig } from '@klineflow/config';
import { INTERVAL_MS, type Channel } from '@klineflow/exchanges';
import { EXCHANGES, type Endpoint, type ExchangeProtocol, type StreamSpec } from '@klineflow/exchange-modules';

/** The streams one connection carries, on one endpoint. */
export interface ConnectionPlan {
  /** Stable across restarts and reconnects: `binance-s0-url-3`. */
  readonly id: string;
  readonly endpoint: Endpoint;
  readonly streams: readonly StreamSpec[];
}

/**
 * Which shard of `shardCount` serves each symbol: a round-robin over the configured symbols in
 * sorted order. Every shard gets within one symbol of every other (hash-modulo split the 10
 * default Binance symbols 3/5/0/2 over 4 shards), and every pod computes the same answer because
 * every pod reads the same symbol list (one ConfigMap). A symbol's streams stay together, and
 * every symbol of an exchange has the same channels and intervals, so streams balance too.
 *
 * Round-robin moves most symbols when the shard count changes, where rendezvous hashing would
 * move few but is not ±1 balanced. Moves do not matter here: a reshard starts a complete new
 * generation of shards before the old one stops (the Helm chart's `previousReplicas`), and the
 * brief double coverage is deduplicated downstream.
 */
export function assignShards(symbols: readonly string[], shardCount: number): Map<string, number> {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError(`shard count must be a positive integer, got ${shardCount}`);
  const sorted = [...new Set(symbols)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(sorted.map((symbol, i) => [symbol, i % shardCount]));
}

/** Whether shard `shardIndex` of `shardCount` serves `canonical`, among the configured `symbols`. */
export function ownsSymbol(canonical: string, shardIndex: number, shardCount: number, symbols: readonly string[]): boolean {
  return assignShards(symbols, shardCount).get(canonical) === shardIndex;
}

/** Every stream the config asks for: one per interval for klines, one per other channel. */
export function planStreams(config: ResolvedExchangeConfig, protocol: ExchangeProtocol): StreamSpec[] {
  const streams: StreamSpec[] = [];
  for (const symbol of config.symbols) {
    for (const channel of config.channels) {
      const endpoint = protocol.endpointOf(channel);
      if (channel === 'kline') {
        for (const interval of config.intervals)
          streams.push({ key: protocol.streamKey(symbol, channel, interval), symbol, channel, interval, endpoint });
      } else {
        streams.push({ key: protocol.streamKey(symbol, channel), symbol, channel, endpoint });
      }
    }
  }
  return streams;
}

/** Rough frames per second of a stream, to spread load rather than only stream counts. */
const CHANNEL_LOAD: Record<Channel, number> = { depth: 10, trade: 2, ticker: 1, kline: 0.5 };

/**
 * This replica's share of the streams (a symbol's streams stay together: `assignShards`),
 * packed into as few connections as the per-connection stream limit allows,
 * balanced by expected load. Throws a ConfigError naming max_connections if it cannot fit.
 */
export function planConnections(
  config: ResolvedExchangeConfig,
  protocol: ExchangeProtocol,
  shard: { readonly shard_index: number; readonly shard_count: number },
): ConnectionPlan[] {
  const capacity = Math.min(config.streamsPerConnection, EXCHANGES[config.exchange].facts.limits.maxStreamsPerConnection);
  const owner = assignShards(
    config.symbols.map((s) => s.canonical),
    shard.shard_count,
  );
  const mine = planStreams(config, protocol).filter((s) => owner.get(s.symbol.canonical) === shard.shard_index);
  const plans: ConnectionPlan[] = [];
  for (const endpoint of ['url', 'apiUrl'] as const) {
    const bins = packSymbols(
      mine.filter((s) => s.endpoint === endpoint),
      capacity,
    );
    bins.forEach((streams, i) =>
      plans.push({ id: `${config.exchange}-s${shard.shard_index}-${endpoint === 'url' ? 'main' : 'api'}-${i}`, endpoint, streams }),
    );
  }
  const needed = plans.length * config.redundancy;
  if (needed > config.maxConnections) {
    throw new ConfigError(
      `websocket.${config.exchange}.max_connections: this shard needs ${needed} connections (${plans.length} × redundancy ${config.redundancy}) ` +
        `for ${mine.length} streams but max_connections is ${config.maxConnections}; raise it, add shards (ingest.shard_count) or subscribe fewer streams`,
    );
  }
  return plans;
}

interface Bin {
  streams: StreamSpec[];
  load: number;
}

function packSymbols(streams: readonly StreamSpec[], capacity: number): StreamSpec[][] {
  if (streams.length === 0) return [];
  const groups = new Map<string, StreamSpec[]>();
  for (const s of streams) {
    const group = groups.get(s.symbol.canonical);
    if (group) group.push(s);
    else groups.set(s.symbol.canonical, [s]);
  }
  const load = (group: readonly StreamSpec[]) => group.reduce((sum, s) => sum + CHANNEL_LOAD[s.channel], 0);
  // Heaviest first, then by name, so the plan is deterministic and balanced.
  const ordered = [...groups.entries()].sort(([a, ga], [b, gb]) => load(gb) - load(ga) || (a < b ? -1 : 1)).map(([, g]) => g);
  const bins: Bin[] = Array.from({ length: Math.ceil(streams.length / capacity) }, () => ({ streams: [], load: 0 }));
  for (const group of ordered) {
    // A symbol with more streams than a connection holds is split; otherwise it stays on one connection.
    for (let start = 0; start < group.length; start += capacity) {
      const part = group.slice(start, start + capacity);
      let target = bins
        .filter((b) => b.streams.length + part.length <= capacity)
        .sort((x, y) => x.load - y.load || x.streams.length - y.streams.length)[0];
      if (!target) {
        target = { streams: [], load: 0 };
        bins.push(target);
      }
      target.streams.push(...part);
      target.load += load(part);
    }
  }
  return bins.filter((b) => b.streams.length > 0).map((b) => b.streams);
}

/**
 * How long a stream may stay silent before the watchdog resubscribes it. The busiest
 * channels get `staleAfterMs`; trades may pause on quiet markets; kline pushes thin out on
 * long intervals (a quiet 1d stream is not stale after 10 s).
 */
export function staleThresholdMs(stream: StreamSpec, staleAfterMs: number): number {
  switch (stream.channel) {
    case 'depth':
    case 'ticker':
      return staleAfterMs;
    case 'trade':
      return staleAfterMs * 6;
    case 'kline': {
      const minutes = INTERVAL_MS[stream.interval ?? '1m'] / 60_000;
      return staleAfterMs * (1 + Math.log2(minutes));
    }
  }
}
