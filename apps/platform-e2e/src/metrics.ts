import { SERVICES, type ServiceName } from '@klineflow/config';

/** Values of a Prometheus metric's samples whose labels include `labels`, scraped from a running service. */
export async function scrapeSamples(port: number, name: string, labels: Record<string, string> = {}): Promise<number[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const sampleLabels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => sampleLabels[k] === v)) values.push(Number(match[3]));
  }
  return values;
}

/** Sum of a metric's samples whose labels include `labels`. */
export async function scrapeMetric(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await scrapeSamples(port, name, labels)).reduce((sum, v) => sum + v, 0);
}

/** The apps' /metrics ports (the catalogue's defaults), shifted like the simulator's by KLINEFLOW_E2E_PORT_OFFSET (see harness.ts). */
const OFFSET = Number(process.env.KLINEFLOW_E2E_PORT_OFFSET ?? 0);
export const METRICS_PORTS = Object.fromEntries(SERVICES.map((s) => [s.name, s.metricsPort + OFFSET])) as Record<ServiceName, number>;
