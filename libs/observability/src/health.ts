/**
 * Liveness of the parts of a service (connections, consumers, sinks). /health reports each
 * with its last-message age and answers 503 when any part is down, so an orchestrator
 * restarts a zombie instead of leaving it alive and idle.
 */
export type ComponentStatus = 'up' | 'degraded' | 'down';

export interface ComponentHealth {
  status: ComponentStatus;
  lastMessageAt?: number;
  detail?: string;
}

export class HealthRegistry {
  private readonly components = new Map<string, ComponentHealth>();

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

  report(now = Date.now()): { status: ComponentStatus; components: Record<string, ComponentHealth & { lastMessageAgeMs: number | null }> } {
    let status: ComponentStatus = 'up';
    const components: Record<string, ComponentHealth & { lastMessageAgeMs: number | null }> = {};
    for (const [name, health] of this.components) {
      components[name] = { ...health, lastMessageAgeMs: health.lastMessageAt === undefined ? null : now - health.lastMessageAt };
      if (health.status === 'down') status = 'down';
      else if (health.status === 'degraded' && status === 'up') status = 'degraded';
    }
    return { status, components };
  }
}
