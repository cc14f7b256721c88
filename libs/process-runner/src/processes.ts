import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { CONFIG_ERROR_EXIT_CODE, PIPELINE_SERVICES, type ServiceName } from '@klineflow/config';

/**
 * Node flags of every app process. A 64 MiB young generation (16 MiB by default) lets the short-lived
 * garbage of each Kafka batch die young: the normalizer drained 12 % more frames a second with it
 * (BENCHMARKS.md). It is that size from the start: grown on demand, it raised the apps' RSS by 15–32 %
 * over a 10-minute load run, which looks like a leak on every dashboard. kafkajs 2.2.4 arms its pending-request check with `setTimeout(fn, -1 - Date.now())`
 * while nothing is throttled (kafkajs issue #1751, unfixed); Node clamps that to 1 ms as it always
 * did, but Node 24 also prints a TimeoutNegativeWarning for it, so that one warning is off.
 * Images set the same through NODE_OPTIONS.
 */
export const APP_NODE_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=64', '--disable-warning=TimeoutNegativeWarning'] as const;

/**
 * `KLINEFLOW_CPU_PROF_DIR=/tmp/prof npm run bench:load …` writes a V8 CPU profile of every app there
 * when it exits (Node refuses --cpu-prof in NODE_OPTIONS): how issue 8 found where each process spends its time.
 */
function profilingFlags(env: NodeJS.ProcessEnv): string[] {
  const dir = env.KLINEFLOW_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** The pipeline's apps in start order (the service catalogue's order: consumers before producers). */
export const PLATFORM_APPS: readonly ServiceName[] = PIPELINE_SERVICES.map((s) => s.name);
export type AppName = ServiceName;

export interface AppProcessOptions {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  /** Scheduling niceness (0–19) per app, for every run of it: the load benchmark lowers the simulator's. */
  niceness?: Partial<Record<AppName, number>>;
  /** Receives each output line of the app; defaults to the console with an `[app]` prefix. */
  onLine?: (app: AppName, line: string) => void;
}

/** Lines of stderr an AppProcess keeps, for a supervisor to repeat when the app stops for good. */
const STDERR_TAIL_LINES = 10;

/** An exit that restarting cannot cure: the app stopped on a configuration error (its message is on its stderr). */
export function isFatalExit(code: number | null): boolean {
  return code === CONFIG_ERROR_EXIT_CODE;
}

/** One app bundle (dist/apps/<app>/main.js) running as its own OS process. */
export class AppProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  /** The last lines of stderr of the latest run (a service stopped by a ConfigError writes its message there). */
  readonly stderrTail: string[] = [];

  constructor(
    readonly app: AppName,
    private readonly options: AppProcessOptions,
  ) {}

  start(): this {
    const env = { ...process.env, ...this.options.env };
    const child = spawn(
      process.execPath,
      [...APP_NODE_FLAGS, ...profilingFlags(env), `dist/apps/${this.app}/main.js`, '--config', this.options.configPath],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const niceness = this.options.niceness?.[this.app];
    if (niceness !== undefined && child.pid !== undefined) setPriority(child.pid, niceness);
    const onLine = this.options.onLine ?? ((app, line) => console.log(`[${app}] ${line}`));
    this.stderrTail.length = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => onLine(this.app, line));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      onLine(this.app, line);
    });
    // 'close', not 'exit': by then stdout and stderr are drained, so stderrTail is complete.
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
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
