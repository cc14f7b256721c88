import { parseSymbol, SymbolFormatError, type Channel, type ExchangeId, type Interval, type ResolvedSymbol } from '@klineflow/exchanges';
import { EXCHANGE_FACTS, resolveSymbol } from '@klineflow/exchange-modules/facts';
import { ConfigError } from './load.js';
import type { ExchangeConfig, KlineflowConfig } from './schema.js';
import { SIMULATOR_PORTS, simulatorApiPortKey, type SimulatorPortKey } from './services.js';

/** One exchange's section with defaults from the exchange's real endpoints and limits applied. */
export interface ResolvedExchangeConfig {
  readonly exchange: ExchangeId;
  readonly url: string;
  readonly apiUrl: string;
  readonly symbols: readonly ResolvedSymbol[];
  readonly intervals: readonly Interval[];
  readonly channels: readonly Channel[];
  readonly pingIntervalMs: number;
  readonly reconnectDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly maxConnections: number;
  readonly streamsPerConnection: number;
  readonly redundancy: number;
  readonly rotateAfterMs: number;
  readonly staleAfterMs: number;
  readonly livenessTimeoutMs: number;
  readonly backfillConcurrency: number;
}

export function resolveExchange(config: KlineflowConfig, exchange: ExchangeId): ResolvedExchangeConfig | undefined {
  const section: ExchangeConfig | undefined = config.websocket[exchange];
  if (!section || !section.enabled) return undefined;
  const limit = EXCHANGE_FACTS[exchange].limits.maxStreamsPerConnection;
  const streamsPerConnection = section.streams_per_connection ?? limit;
  if (streamsPerConnection > limit) {
    throw new ConfigError(
      `websocket.${exchange}.streams_per_connection: ${streamsPerConnection} exceeds the exchange limit of ${limit}; set it to ${limit} or less`,
    );
  }
  const symbols = section.symbols.map((text, i) => {
    try {
      return resolveSymbol(exchange, parseSymbol(text));
    } catch (error) {
      if (error instanceof SymbolFormatError) throw new ConfigError(`websocket.${exchange}.symbols[${i}]: ${error.message}`);
      throw error;
    }
  });
  return {
    exchange,
    url: section.url ?? EXCHANGE_FACTS[exchange].endpoints.url,
    apiUrl: section.api_url ?? EXCHANGE_FACTS[exchange].endpoints.apiUrl,
    symbols,
    intervals: section.intervals as Interval[],
    channels: section.channels as Channel[],
    pingIntervalMs: section.ping_interval * 1000,
    reconnectDelayMs: section.reconnect_delay * 1000,
    reconnectMaxDelayMs: section.reconnect_max_delay * 1000,
    maxConnections: section.max_connections,
    streamsPerConnection,
    redundancy: section.redundancy,
    rotateAfterMs: section.rotate_after * 1000,
    staleAfterMs: section.stale_after * 1000,
    livenessTimeoutMs: section.liveness_timeout * 1000,
    backfillConcurrency: section.backfill_concurrency,
  };
}

/**
 * The simulator's stand-in for `exchange`'s endpoints: each real endpoint's path, on the simulator's port
 * for the exchange (its `<exchange>_api` port for the history endpoint, where it has one).
 */
export function simulatorEndpoints(
  exchange: ExchangeId,
  host = '127.0.0.1',
  ports: Readonly<Record<SimulatorPortKey, number>> = SIMULATOR_PORTS,
): { readonly url: string; readonly apiUrl: string } {
  const { url, apiUrl } = EXCHANGE_FACTS[exchange].endpoints;
  // The real base URL's bare `/` (Binance's combined-stream base) is no path of its own.
  const path = (real: string) => new URL(real).pathname.replace(/^\/$/, '');
  const apiPort = ports[simulatorApiPortKey(exchange) ?? exchange];
  return { url: `ws://${host}:${ports[exchange]}${path(url)}`, apiUrl: `ws://${host}:${apiPort}${path(apiUrl)}` };
}
