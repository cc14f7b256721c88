// The apps that have an image: every service of the catalogue (libs/config/src/services.ts), as the deploy tests name them.
import { metricsPortKey, SERVICES, type MetricsPortKey, type ServiceName, type ServiceSpec } from '@klineflow/config';

export interface DeployableApp {
  /** Folder under apps/ and image name, e.g. ingest-binance. */
  readonly app: ServiceName;
  readonly role: ServiceSpec['role'];
  /** Key of config.metrics.ports, e.g. ingest_binance. */
  readonly portKey: MetricsPortKey;
  readonly defaultPort: number;
  /** The exchange of an ingest app. */
  readonly exchange?: ServiceSpec['exchange'];
}

export const DEPLOYABLE_APPS: readonly DeployableApp[] = SERVICES.map((s) => ({
  app: s.name,
  role: s.role,
  portKey: metricsPortKey(s.name),
  defaultPort: s.metricsPort,
  exchange: s.exchange,
}));

/** What the chart and docker compose run: all but the simulator. */
export const PIPELINE_APPS: readonly DeployableApp[] = DEPLOYABLE_APPS.filter((a) => a.role !== 'simulator');
