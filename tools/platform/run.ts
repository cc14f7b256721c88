// Runs every klineflow service as its own process with one config, restarting a crashed
// one after a short back-off (as Kubernetes would) and stopping all of them on Ctrl-C.
// A configuration error is not a crash: it stops everything, its message printed plainly,
// with exit code CONFIG_ERROR_EXIT_CODE (no restart can cure it).
import { CONFIG_ERROR_EXIT_CODE, ConfigError, configPathFrom, loadConfig, type KlineflowConfig } from '@klineflow/config';
import { appsFor, Supervisor } from './supervisor.js';

const DEFAULT_CONFIG = 'config/klineflow.toml';
let configPath: string;
let config: KlineflowConfig;
try {
  configPath = configPathFrom(process.argv, process.env) ?? DEFAULT_CONFIG;
  // Validate once here so a bad config fails with one message naming the key, not seven.
  config = loadConfig(['--config', configPath], process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`[start] configuration error: ${error.message}`);
  process.exit(CONFIG_ERROR_EXIT_CODE);
}

const apps = appsFor(config);
let stopping = false;
const supervisor = new Supervisor(apps, {
  configPath,
  onCrash: (app, code) => console.error(`[start] ${app} exited with code ${code}; restarting in 1 s`),
  // Some checks need more than the config (the HTX connection plan of ingest-huobi, for one): the app
  // reports those itself, on stderr, and exits with CONFIG_ERROR_EXIT_CODE.
  onFatal: (proc, code) => {
    console.error(`[start] ${proc.app} stopped on a configuration error (exit code ${code}); stopping the platform`);
    void stopAll(code ?? 1, [
      `[start] ${proc.app} could not start with ${configPath}:`,
      ...proc.stderrTail.map((line) => `[start]   ${line}`),
      '[start] fix the configuration and run npm start again',
    ]);
  },
});

console.error(`[start] running ${apps.join(', ')} with ${configPath}`);
supervisor.startAll();

/** Stops every service in order, then prints `finalWords` (last, where the reader sees them) and exits. */
async function stopAll(code = 0, finalWords: readonly string[] = []): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.error('[start] stopping (flushing batches, committing offsets)');
  await supervisor.stopAll();
  for (const line of finalWords) console.error(line);
  process.exit(code);
}
process.on('SIGINT', () => void stopAll());
process.on('SIGTERM', () => void stopAll());
