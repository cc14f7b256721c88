import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthRegistry } from './health.js';

/** Serves /metrics (Prometheus text) and /health (JSON; 503 when any component is down). */
export function startObservabilityServer(options: { host: string; port: number; registry: Registry; health: HealthRegistry }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      options.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(body),
        (error: Error) => res.writeHead(500).end(error.message),
      );
      return;
    }
    if (req.url === '/health') {
      const report = options.health.report();
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
