import type { Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  loadConfig,
  ConfigError,
  CONFIG_ERROR_EXIT_CODE,
  metricsPortKey,
  redactConfig,
  type KlineflowConfig,
  type ServiceName,
} from '@klineflow/config';
import { createLogger, type Logger } from './logger.js';
import { EventLoopWatchdog, HealthRegistry } from './health.js';
import { startObservabilityServer } from './server.js';
import { startTracing } from './tracing.js';

export interface ServiceContext {
  readonly name: ServiceName;
  readonly config: KlineflowConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly health: HealthRegistry;
  /** Registers cleanup run on SIGTERM/SIGINT, in reverse order of registration. */
  onShutdown(step: () => Promise<void> | void): void;
  /**
   * Logs, marks the service fatal (liveness and readiness fail) and exits non-zero so the orchestrator restarts it; a ConfigError
   * exits with CONFIG_ERROR_EXIT_CODE instead, its message on stderr, since a restart cannot cure it.
   */
  fail(reason: string, error?: unknown): never;
}

/**
 * Common start-up of every app: config (a bad one stops start-up naming the key),
 * JSON logging, /metrics, /livez and /readyz (alias /health), and an orderly shutdown that flushes and commits.
 * Liveness follows an event-loop watchdog and fail(); readiness turns OK once `main` has returned.
 */
export async function runService(name: ServiceName, main: (ctx: ServiceContext) => Promise<void>): Promise<void> {
  let config: KlineflowConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    throw error;
  }
  const metricsPort = config.metrics.ports[metricsPortKey(name)];
  const logger = createLogger(name, config.log.level);
  // The effective config (file, environment and secret files merged), for "what is this pod running":
  // secrets and URL passwords redacted, since log lines go wherever the log shipper sends them.
  logger.info('configuration', { config: redactConfig(config) });
  const registry = new Registry();
  registry.setDefaultLabels({ service: name });
  collectDefaultMetrics({ register: registry });
  const health = new HealthRegistry();
  health.watchEventLoop(new EventLoopWatchdog().start());
  const shutdownSteps: Array<() => Promise<void> | void> = [];
  const http: { server?: Server } = {};
  let stopping = false;

  const shutdown = async (signal: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Not ready any more; liveness stays as it is, so the flush below is not cut short by a restart.
    if (health.get('service')?.status !== 'down') health.set('service', 'down', `shutting down (${signal})`);
    logger.info('shutting down', { signal });
    for (const step of shutdownSteps.reverse()) {
      try {
        await step();
      } catch (error) {
        logger.error('shutdown step failed', { error });
      }
    }
    http.server?.close();
    process.exit(code);
  };

  const ctx: ServiceContext = {
    name,
    config,
    logger,
    registry,
    health,
    onShutdown: (step) => shutdownSteps.push(step),
    fail: (reason, error) => {
      health.set('service', 'down', reason);
      health.markFatal(reason);
      logger.error(reason, { error });
      if (error instanceof ConfigError) {
        // Plain text for the person at the terminal: which key, and what to do about it.
        process.stderr.write(`${name}: ${error.message}\n`);
        void shutdown('configuration error', CONFIG_ERROR_EXIT_CODE);
      } else {
        void shutdown('failure', 1);
      }
      // Never returns to the caller: the process is going down.
      throw new Error(reason);
    },
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('unhandledRejection', (error) => {
    try {
      ctx.fail('unhandled rejection', error);
    } catch {
      // fail() throws to stop its caller; here the caller is an event handler and the process is already exiting.
    }
  });
  // Registered first, so it runs last: the spans of the final flushes are exported too.
  if (config.tracing.enabled) {
    const tracing = startTracing(name, config.tracing);
    ctx.onShutdown(() => tracing.shutdown());
  }

  http.server = await startObservabilityServer({ host: config.metrics.host, port: metricsPort, registry, health });
  health.set('service', 'up');
  try {
    await main(ctx);
  } catch (error) {
    try {
      ctx.fail('start-up failed', error);
    } catch {
      // The shutdown fail() began exits with its code (CONFIG_ERROR_EXIT_CODE for a ConfigError). Its throw must
      // not escape: a rejected top-level await in main.ts would end the process at once, with code 1.
    }
    return;
  }
  health.markStarted();
  logger.info('started', { metricsPort });
}
