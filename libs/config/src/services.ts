import { EXCHANGE_IDS, type ExchangeId } from '@klineflow/exchanges';

/**
 * The catalogue of klineflow services. A service's name is its app folder (apps/<name>), its image,
 * its process, the `service` field of its logs and label of its metrics, and its Prometheus job.
 * The config schema's [metrics.ports], the process runner, `npm start`, the end-to-end harness and
 * the deploy tests (Helm, docker compose, Prometheus) all read this list.
 */
export type ServiceName = 'exchange-sim' | `ingest-${ExchangeId}` | 'normalizer' | 'redis-writer' | 'clickhouse-sink';

export interface ServiceSpec {
  readonly name: ServiceName;
  /** simulator: offline stand-in for the exchanges, never deployed; the others make up the pipeline. */
  readonly role: 'simulator' | 'ingest' | 'normalizer' | 'sink';
  /** Default of config.metrics.ports: /metrics, /livez and /readyz. */
  readonly metricsPort: number;
  /** The exchange an ingest service connects to. */
  readonly exchange?: ExchangeId;
}

/**
 * The ports each exchange is given, in one place so that none collide. A Record, so that an exchange
 * added to EXCHANGE_IDS does not compile until it has them:
 * - `ingestMetrics`: its ingest service's [metrics.ports] default;
 * - `simulator`: the exchange-sim port standing in for it ([simulator.ports], key: the exchange id);
 * - `simulatorApi`: only where the exchange's history endpoint is another host than its streams
 *   (Binance's WS-API), the simulator's port for it (key `<exchange>_api`).
 */
const EXCHANGE_PORTS = {
  binance: { ingestMetrics: 9401, simulator: 18080, simulatorApi: 18083 },
  okx: { ingestMetrics: 9402, simulator: 18081 },
  huobi: { ingestMetrics: 9403, simulator: 18082 },
  bybit: { ingestMetrics: 9407, simulator: 18084 },
} as const satisfies Record<ExchangeId, { readonly ingestMetrics: number; readonly simulator: number; readonly simulatorApi?: number }>;

/** The simulator's HTTP control API (faults, state), beside its exchange endpoints. */
const SIMULATOR_CONTROL_PORT = 18090;

type ApiPortKey<E extends ExchangeId> = (typeof EXCHANGE_PORTS)[E] extends { readonly simulatorApi: number } ? `${E}_api` : never;
/** A key of [simulator.ports]: an exchange id, `<exchange>_api` where it has a separate history endpoint, and `control`. */
export type SimulatorPortKey = ExchangeId | { [E in ExchangeId]: ApiPortKey<E> }[ExchangeId] | 'control';

/**
 * [simulator.ports] with its defaults, in the order of the config files: each exchange (followed by its
 * `_api` port, if any), then `control`. The config schema, the simulator and the end-to-end harness read it.
 */
export const SIMULATOR_PORTS = Object.fromEntries([
  ...EXCHANGE_IDS.flatMap((exchange) => {
    const ports: { readonly simulator: number; readonly simulatorApi?: number } = EXCHANGE_PORTS[exchange];
    return ports.simulatorApi === undefined
      ? [[exchange, ports.simulator]]
      : [
          [exchange, ports.simulator],
          [`${exchange}_api`, ports.simulatorApi],
        ];
  }),
  ['control', SIMULATOR_CONTROL_PORT],
]) as Readonly<Record<SimulatorPortKey, number>>;

/** The [simulator.ports] key of the simulator's separate history endpoint for `exchange`, if it has one. */
export function simulatorApiPortKey(exchange: ExchangeId): SimulatorPortKey | undefined {
  const key = `${exchange}_api`;
  return key in SIMULATOR_PORTS ? (key as SimulatorPortKey) : undefined;
}

/** In start order: the simulator, then the consumers before the producers that feed them. */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'exchange-sim', role: 'simulator', metricsPort: 9400 },
  { name: 'clickhouse-sink', role: 'sink', metricsPort: 9406 },
  { name: 'redis-writer', role: 'sink', metricsPort: 9405 },
  { name: 'normalizer', role: 'normalizer', metricsPort: 9404 },
  ...EXCHANGE_IDS.map((exchange) => ({
    name: `ingest-${exchange}` as const,
    role: 'ingest' as const,
    metricsPort: EXCHANGE_PORTS[exchange].ingestMetrics,
    exchange,
  })),
];

/** The services `npm start` and the deployments run against real exchanges. */
export const PIPELINE_SERVICES: readonly ServiceSpec[] = SERVICES.filter((s) => s.role !== 'simulator');

type SnakeCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}_${SnakeCase<Tail>}` : S;
export type MetricsPortKey = SnakeCase<ServiceName>;

/**
 * A service's key in [metrics.ports] (ingest-binance -> ingest_binance). Config keys are snake_case
 * throughout, and only so can an environment override (KLINEFLOW__METRICS__PORTS__INGEST_BINANCE) name one.
 */
export function metricsPortKey(name: ServiceName): MetricsPortKey {
  return name.replaceAll('-', '_') as MetricsPortKey;
}
