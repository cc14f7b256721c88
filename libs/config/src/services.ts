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

/** A Record, so that an exchange added to EXCHANGE_IDS does not compile until its ingest service has a port. */
const INGEST_METRICS_PORTS: Record<ExchangeId, number> = { binance: 9401, okx: 9402, huobi: 9403, bybit: 9407 };

/** In start order: the simulator, then the consumers before the producers that feed them. */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'exchange-sim', role: 'simulator', metricsPort: 9400 },
  { name: 'clickhouse-sink', role: 'sink', metricsPort: 9406 },
  { name: 'redis-writer', role: 'sink', metricsPort: 9405 },
  { name: 'normalizer', role: 'normalizer', metricsPort: 9404 },
  ...EXCHANGE_IDS.map((exchange) => ({
    name: `ingest-${exchange}` as const,
    role: 'ingest' as const,
    metricsPort: INGEST_METRICS_PORTS[exchange],
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
