// Runs every klineflow service as its own process with one config, restarting a crashed
// one after a short back-off (as Kubernetes would) and stopping all of them on Ctrl-C.
import { configPathFrom, loadConfig } from '@klineflow/config';
import { AppProcess, PLATFORM_APPS, type AppName } from '@klineflow/process-runner';

const DEFAULT_CONFIG = 'config/klineflow.toml';
const configPath = configPathFrom(process.argv, process.env) ?? DEFAULT_CONFIG;
// Validate once here so a bad config fails with one message naming the key, not seven.
const config = loadConfig(['--config', configPath], process.env);

const apps: AppName[] = [...(config.simulator.enabled ? (['exchange-sim'] as const) : []), ...PLATFORM_APPS].filter(
  (app) => !app.startsWith('ingest-') || config.websocket[app.slice('ingest-'.length) as 'binance' | 'okx' | 'huobi']?.enabled,
);
let stopping = false;
const processes = apps.map((app) => new AppProcess(app, { configPath }));

function supervise(proc: AppProcess): void {
  proc.start();
  void proc.waitForExit().then((code) => {
    if (stopping) return;
    console.error(`[start] ${proc.app} exited with code ${code}; restarting in 1 s`);
    setTimeout(() => !stopping && supervise(proc), 1000);
  });
}

console.error(`[start] running ${apps.join(', ')} with ${configPath}`);
processes.forEach(supervise);

async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.error('[start] stopping (flushing batches, committing offsets)');
  // Producers first, sinks last, so the sinks drain what is already in flight.
  await Promise.all(processes.filter((p) => p.app.startsWith('ingest-') || p.app === 'exchange-sim').map((p) => p.stop()));
  await Promise.all(processes.filter((p) => p.app === 'normalizer').map((p) => p.stop()));
  await Promise.all(processes.filter((p) => p.app.endsWith('-sink') || p.app.endsWith('-writer')).map((p) => p.stop()));
  process.exit(0);
}
process.on('SIGINT', () => void stopAll());
process.on('SIGTERM', () => void stopAll());
