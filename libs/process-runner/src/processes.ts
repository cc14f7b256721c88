import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const PLATFORM_APPS = ['clickhouse-sink', 'redis-writer', 'normalizer', 'ingest-binance', 'ingest-okx', 'ingest-huobi'] as const;
export type AppName = (typeof PLATFORM_APPS)[number] | 'exchange-sim';

export interface AppProcessOptions {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  /** Receives each output line of the app; defaults to the console with an `[app]` prefix. */
  onLine?: (app: AppName, line: string) => void;
}

/** One app bundle (dist/apps/<app>/main.js) running as its own OS process. */
export class AppProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(readonly app: AppName, private readonly options: AppProcessOptions) {}

  start(): this {
    const child = spawn(process.execPath, [`dist/apps/${this.app}/main.js`, '--config', this.options.configPath], {
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onLine = this.options.onLine ?? ((app, line) => console.log(`[${app}] ${line}`));
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => onLine(this.app, line));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.child = child;
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the exit code once the process has ended. */
  waitForExit(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }

  /** SIGTERM (orderly: flush and commit), escalating to SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.waitForExit();
    clearTimeout(timer);
  }

  /** kill -9: no flush, no commit, as a crash would. */
  async crash(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.waitForExit();
  }
}
