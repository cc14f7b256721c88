// Consumer lag per group (committed offsets against the topics' ends) and the topics' end
// offsets themselves (frames/s in and out), every few seconds through the Kafka admin API.
import type { Admin } from 'kafkajs';
import type { Point } from '../stats.js';

export interface GroupSpec {
  readonly groupId: string;
  readonly topics: readonly string[];
}

/** Messages behind: end offset minus committed offset, per partition, summed; a partition without a commit counts from its start. */
export function lagOf(
  ends: ReadonlyMap<string, ReadonlyMap<number, { high: number; low: number }>>,
  committed: ReadonlyArray<{ topic: string; partitions: ReadonlyArray<{ partition: number; offset: string }> }>,
): number {
  let lag = 0;
  for (const { topic, partitions } of committed) {
    const topicEnds = ends.get(topic);
    if (!topicEnds) continue;
    for (const { partition, offset } of partitions) {
      const end = topicEnds.get(partition);
      if (!end) continue;
      const at = Number(offset) >= 0 ? Number(offset) : end.low;
      lag += Math.max(0, end.high - at);
    }
  }
  return lag;
}

export class LagProbe {
  /** Per group: lag over time (t in ms since the origin). */
  readonly lag = new Map<string, Point[]>();
  /** Per topic: sum of partition end offsets over time. */
  readonly ends = new Map<string, Point[]>();
  /** Most members each group had at a sample: more than one means something else joined it. */
  readonly maxMembers = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly admin: Admin,
    private readonly groups: readonly GroupSpec[],
    private readonly topics: readonly string[],
    private readonly origin: number,
    private readonly periodMs = 5000,
  ) {
    for (const g of groups) this.lag.set(g.groupId, []);
    for (const t of topics) this.ends.set(t, []);
  }

  start(): void {
    this.running = this.sample();
    this.timer = setInterval(() => {
      this.running = (this.running ?? Promise.resolve()).then(() => this.sample());
    }, this.periodMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sample now (also used at the window's edges). */
  async sample(): Promise<void> {
    try {
      const t = Date.now() - this.origin;
      const ends = new Map<string, Map<number, { high: number; low: number }>>();
      for (const topic of this.topics) {
        const offsets = await this.admin.fetchTopicOffsets(topic);
        ends.set(topic, new Map(offsets.map((p) => [p.partition, { high: Number(p.high), low: Number(p.low) }])));
        this.ends.get(topic)!.push({ t, v: offsets.reduce((s, p) => s + Number(p.high), 0) });
      }
      const described = await this.admin.describeGroups(this.groups.map((g) => g.groupId));
      for (const g of described.groups) this.maxMembers.set(g.groupId, Math.max(this.maxMembers.get(g.groupId) ?? 0, g.members.length));
      for (const group of this.groups) {
        const committed = await this.admin.fetchOffsets({ groupId: group.groupId, topics: [...group.topics] });
        this.lag.get(group.groupId)!.push({ t, v: lagOf(ends, committed) });
      }
    } catch (error) {
      // A missed sample is a gap in the series, not a failed run.
      console.error(`[bench] lag sample failed: ${(error as Error).message}`);
    }
  }
}

/** Messages per second between the first and last points with from <= t <= to. */
export function rateBetween(points: readonly Point[], from: number, to: number): number {
  const inside = points.filter((p) => p.t >= from && p.t <= to);
  if (inside.length < 2) return Number.NaN;
  const a = inside[0]!;
  const b = inside[inside.length - 1]!;
  return b.t > a.t ? ((b.v - a.v) / (b.t - a.t)) * 1000 : Number.NaN;
}

/** Point-wise sum of several end-offset series sampled together. */
export function sumSeries(series: ReadonlyArray<readonly Point[]>): Point[] {
  if (series.length === 0) return [];
  const byT = new Map<number, number>();
  const counts = new Map<number, number>();
  for (const s of series) {
    for (const p of s) {
      byT.set(p.t, (byT.get(p.t) ?? 0) + p.v);
      counts.set(p.t, (counts.get(p.t) ?? 0) + 1);
    }
  }
  return [...byT.entries()]
    .filter(([t]) => counts.get(t) === series.length)
    .sort((a, b) => a[0] - b[0])
    .map(([t, v]) => ({ t, v }));
}
