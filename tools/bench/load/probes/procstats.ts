// CPU (user + system) and RSS of each process, sampled every second with the benchmarks' shared
// /proc reader. A target's pid is looked up at every sample, so a restarted app is followed.
import { readdirSync, readFileSync } from 'node:fs';
import { coreShare, readProcSample, type ProcSample } from '../../shared/procstats.js';
import type { Point } from '../stats.js';

/** Whole-machine busy share (0..1) between two readings of the first line of /proc/stat. */
export function busyShare(before: string, after: string): number {
  const parse = (line: string) => line.trim().split(/\s+/).slice(1).map(Number);
  const a = parse(before);
  const b = parse(after);
  const total = b.reduce((s, v) => s + v, 0) - a.reduce((s, v) => s + v, 0);
  // idle + iowait
  const idle = b[3]! + (b[4] ?? 0) - (a[3]! + (a[4] ?? 0));
  return total > 0 ? 1 - idle / total : Number.NaN;
}

export function readCpuLine(): string {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
}

export interface ProcTarget {
  readonly name: string;
  pid(): number | undefined;
}

export interface ProcSeries {
  /** Percent of one core (100 = one core busy), per second. */
  readonly cpu: Point[];
  readonly rssMb: Point[];
  /** Every pid the target had during the run. */
  readonly pids: number[];
}

export class ProcSampler {
  readonly series = new Map<string, ProcSeries>();
  private readonly last = new Map<string, { pid: number; sample: ProcSample }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly targets: ProcTarget[],
    private readonly origin: number,
    private readonly periodMs = 1000,
  ) {
    for (const t of targets) this.series.set(t.name, { cpu: [], rssMb: [], pids: [] });
  }

  add(target: ProcTarget): void {
    this.targets.push(target);
    this.series.set(target.name, { cpu: [], rssMb: [], pids: [] });
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.periodMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    for (const target of this.targets) {
      const pid = target.pid();
      const series = this.series.get(target.name)!;
      if (pid === undefined) continue;
      const sample = readProcSample(pid);
      if (!sample) continue; // exited between the lookup and the read
      if (!series.pids.includes(pid)) series.pids.push(pid);
      const previous = this.last.get(target.name);
      const t = sample.at - this.origin;
      if (previous && previous.pid === pid) {
        const share = coreShare(previous.sample, sample);
        if (Number.isFinite(share)) series.cpu.push({ t, v: share * 100 });
      }
      series.rssMb.push({ t, v: sample.rssBytes / 1024 / 1024 });
      this.last.set(target.name, { pid, sample });
    }
  }
}

/** Pids of the local stack's servers, found by their command lines (Kafka under Java, Redis, ClickHouse). */
export function findServerPids(): Record<'kafka' | 'redis' | 'clickhouse', number | undefined> {
  const found: Record<'kafka' | 'redis' | 'clickhouse', number | undefined> = { kafka: undefined, redis: undefined, clickhouse: undefined };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    const pid = Number(entry);
    if (found.kafka === undefined && /\bkafka\.Kafka\b/.test(cmdline)) found.kafka = pid;
    else if (found.redis === undefined && /^\S*redis-server\b.*:6379/.test(cmdline)) found.redis = pid;
    else if (found.clickhouse === undefined && /^\S*clickhouse(-server|\s+server)\b/.test(cmdline) && !cmdline.includes('runuser'))
      found.clickhouse = pid;
  }
  return found;
}
