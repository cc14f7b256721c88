import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from './health.js';

/** Readiness paths: `/health` is the name every earlier client (dashboards, scripts, tests) knows. */
export const READINESS_PATHS = ['/readyz', '/health'] as const;
export const LIVENESS_PATH = '/livez';

/**
 * Serves /metrics (Prometheus text), /livez (liveness: the process works; 503 on a stalled event loop
 * or a fatal state, never because of a dependency) and /readyz, alias /health (readiness: started and
 * no component down; 503 otherwise). Health answers are JSON.
 */
export function startObservabilityServer(options: {
  host: string;
  port: number;
  registry: Registry;
  health: HealthRegistry;
}): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      options.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(body),
        (error: Error) => res.writeHead(500).end(error.message),
      );
      return;
    }
    if (path === LIVENESS_PATH || (READINESS_PATHS as readonly string[]).includes(path ?? '')) {
      const report = path === LIVENESS_PATH ? options.health.liveness() : options.health.readiness();
      res.writeHead(report.status === 'down' ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(report));
      return;
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
