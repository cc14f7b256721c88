/**
 * Health of a service, answered on three questions:
 *
 * - Liveness (`/livez`): does the process still work? Its event loop turns (EventLoopWatchdog) and
 *   no fatal state was reached (markFatal). It never looks at a dependency: a Kafka, Redis or
 *   ClickHouse outage is not cured by a restart, and failing liveness for one would restart every
 *   pod of the platform at once.
 * - Readiness (`/readyz`, and `/health` as its alias): is the service doing its job? Start-up is
 *   done and no component (connection, consumer, store) is down; a dependency outage shows here.
 * - Components report `up`, `degraded` (working, impaired) or `down` (not working, e.g. its store is
 *   unreachable); each with its last-message age.
 */
export type ComponentStatus = 'up' | 'degraded' | 'down';

export interface ComponentHealth {
  status: ComponentStatus;
  lastMessageAt?: number;
  detail?: string;
}

export type ComponentReport = ComponentHealth & { lastMessageAgeMs: number | null };

export interface ReadinessReport {
  /** `down` (HTTP 503) when not ready; otherwise the worst component status. */
  status: ComponentStatus;
  started: boolean;
  live: boolean;
  components: Record<string, ComponentReport>;
}

export interface LivenessReport {
  status: 'up' | 'down';
  /** Why the service gave up, once markFatal was called. */
  fatal?: string;
  eventLoop?: { lagMs: number; maxLagMs: number };
}

/**
 * A timer that must fire every `intervalMs`: how late it last fired, or how long it has not fired,
 * is the event loop's lag. `stalled` once the lag passes `maxLagMs`. The clock is injectable, and
 * tick() may be driven by hand, so tests need no real blocking.
 */
export class EventLoopWatchdog {
  readonly intervalMs: number;
  readonly maxLagMs: number;
  private readonly now: () => number;
  private lastTickAt: number;
  private lastLagMs = 0;
  private timer?: NodeJS.Timeout;

  constructor(options: { intervalMs?: number; maxLagMs?: number; now?: () => number } = {}) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.maxLagMs = options.maxLagMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.lastTickAt = this.now();
  }

  start(): this {
    this.stop();
    this.lastTickAt = this.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // A watchdog must not keep an otherwise finished process alive.
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The timer fired: records how late it was. */
  tick(at = this.now()): void {
    this.lastLagMs = Math.max(0, at - this.lastTickAt - this.intervalMs);
    this.lastTickAt = at;
  }

  /** The lag of the last tick, or the time the next one is overdue by, whichever is larger. */
  lagMs(at = this.now()): number {
    return Math.max(this.lastLagMs, at - this.lastTickAt - this.intervalMs, 0);
  }

  stalled(at = this.now()): boolean {
    return this.lagMs(at) > this.maxLagMs;
  }
}

export class HealthRegistry {
  private readonly components = new Map<string, ComponentHealth>();
  private watchdog?: EventLoopWatchdog;
  private fatalReason?: string;
  private startedAt?: number;

  set(name: string, status: ComponentStatus, detail?: string): void {
    const current = this.components.get(name);
    this.components.set(name, { ...current, status, detail });
  }

  /** Cheap enough for every message: one Map lookup and a field write. */
  touch(name: string, at = Date.now()): void {
    const current = this.components.get(name);
    if (current) current.lastMessageAt = at;
    else this.components.set(name, { status: 'up', lastMessageAt: at });
  }

  remove(name: string): void {
    this.components.delete(name);
  }

  get(name: string): ComponentHealth | undefined {
    return this.components.get(name);
  }

  /** Liveness follows this watchdog's lag. */
  watchEventLoop(watchdog: EventLoopWatchdog): void {
    this.watchdog = watchdog;
  }

  /** Start-up is done: readiness may turn OK. */
  markStarted(at = Date.now()): void {
    this.startedAt ??= at;
  }

  get started(): boolean {
    return this.startedAt !== undefined;
  }

  /** The service gave up for good (it is exiting): liveness and readiness fail from now on. */
  markFatal(reason: string): void {
    this.fatalReason ??= reason;
  }

  get fatal(): string | undefined {
    return this.fatalReason;
  }

  /** Every component with its age, and the worst status among them. */
  report(now = Date.now()): { status: ComponentStatus; components: Record<string, ComponentReport> } {
    let status: ComponentStatus = 'up';
    const components: Record<string, ComponentReport> = {};
    for (const [name, health] of this.components) {
      components[name] = { ...health, lastMessageAgeMs: health.lastMessageAt === undefined ? null : now - health.lastMessageAt };
      if (health.status === 'down') status = 'down';
      else if (health.status === 'degraded' && status === 'up') status = 'degraded';
    }
    return { status, components };
  }

  /**
   * Only the process itself: the event loop turns and no fatal state. Dependencies are never looked at.
   * Without `now`, the watchdog reads its own clock.
   */
  liveness(now?: number): LivenessReport {
    const report: LivenessReport = { status: 'up' };
    if (this.watchdog) {
      const lagMs = this.watchdog.lagMs(now);
      report.eventLoop = { lagMs, maxLagMs: this.watchdog.maxLagMs };
      if (lagMs > this.watchdog.maxLagMs) report.status = 'down';
    }
    if (this.fatalReason !== undefined) {
      report.fatal = this.fatalReason;
      report.status = 'down';
    }
    return report;
  }

  /** Live, started, and no component down. */
  readiness(now?: number): ReadinessReport {
    const { status, components } = this.report(now ?? Date.now());
    const live = this.liveness(now).status === 'up';
    return { status: live && this.started ? status : 'down', started: this.started, live, components };
  }
}
