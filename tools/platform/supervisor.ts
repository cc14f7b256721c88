// Every klineflow service as its own process with one config: which apps a config runs, a
// restart of a crashed one after a short back-off (as Kubernetes would), and an orderly stop.
// Used by `npm start` (tools/platform/run.ts) and the load benchmark (tools/bench/load).
import { SERVICES, type KlineflowConfig } from '@klineflow/config';
import { AppProcess, isFatalExit, type AppName, type AppProcessOptions } from '@klineflow/process-runner';

/** The simulator when the config enables it, then every platform app whose exchange is enabled. */
export function appsFor(config: KlineflowConfig): AppName[] {
  return SERVICES.filter((s) =>
    s.role === 'simulator' ? config.simulator.enabled : !s.exchange || config.websocket[s.exchange]?.enabled,
  ).map((s) => s.name);
}

export interface SupervisorOptions extends AppProcessOptions {
  /** Called when an app exits on its own, before its restart. */
  onCrash?: (app: AppName, code: number | null) => void;
  /** Called instead of a restart when an app exits with a code no restart can cure (isFatalExit: a configuration error). */
  onFatal?: (proc: AppProcess, code: number | null) => void;
  restartDelayMs?: number;
}

export class Supervisor {
  readonly processes: ReadonlyMap<AppName, AppProcess>;
  private stopping = false;
  private readonly started = new Set<AppProcess>();

  constructor(
    apps: readonly AppName[],
    private readonly options: SupervisorOptions,
  ) {
    this.processes = new Map(apps.map((app) => [app, new AppProcess(app, options)]));
  }

  /** Starts every app not already started (with start(app) before it, say). */
  startAll(): void {
    for (const proc of this.processes.values()) if (!this.started.has(proc)) this.supervise(proc);
  }

  /** Starts one app (e.g. the simulator before the rest). */
  start(app: AppName): void {
    const proc = this.processes.get(app);
    if (proc && !this.started.has(proc)) this.supervise(proc);
  }

  pid(app: AppName): number | undefined {
    const proc = this.processes.get(app);
    return proc?.running ? proc.pid : undefined;
  }

  private supervise(proc: AppProcess): void {
    this.started.add(proc);
    proc.start();
    void proc.waitForExit().then((code) => {
      if (this.stopping) return;
      if (isFatalExit(code)) {
        this.options.onFatal?.(proc, code);
        return;
      }
      this.options.onCrash?.(proc.app, code);
      setTimeout(() => !this.stopping && this.supervise(proc), this.options.restartDelayMs ?? 1000);
    });
  }

  /** Producers first, sinks last, so the sinks drain what is already in flight (batches flushed, offsets committed). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const procs = [...this.processes.values()];
    await Promise.all(procs.filter((p) => p.app.startsWith('ingest-') || p.app === 'exchange-sim').map((p) => p.stop()));
    await Promise.all(procs.filter((p) => p.app === 'normalizer').map((p) => p.stop()));
    await Promise.all(procs.filter((p) => p.app.endsWith('-sink') || p.app.endsWith('-writer')).map((p) => p.stop()));
  }
}
