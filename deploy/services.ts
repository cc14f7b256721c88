// The deployable apps, read from the config schema: every service has a metrics port there.
import { configSchema } from '@klineflow/config';

const PORTS = configSchema.properties.metrics.properties.ports.properties;

export interface DeployableApp {
  /** Folder under apps/ and image name, e.g. ingest-binance. */
  readonly app: string;
  /** Key of config.metrics.ports, e.g. ingest_binance. */
  readonly portKey: keyof typeof PORTS;
  readonly defaultPort: number;
}

export const DEPLOYABLE_APPS: readonly DeployableApp[] = (Object.keys(PORTS) as (keyof typeof PORTS)[]).map((portKey) => ({
  app: portKey.replace(/_/g, '-'),
  portKey,
  defaultPort: PORTS[portKey].default,
}));
