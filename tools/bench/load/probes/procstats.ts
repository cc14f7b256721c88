// CPU (user + system, from /proc/<pid>/stat) and RSS (/proc/<pid>/status VmRSS) of each process,
// sampled every second. A target's pid is looked up at every sample, so a restarted app is followed.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Point } from '../stats.js';

/** utime + stime in clock ticks, from the text of /proc/<pid>/stat. */
export function cpuTicksOf(statText: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the whole line are utime and stime; fields[0] here is field 3 (state).
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set size in bytes, from the text of /proc/<pid>/status. */
export function rssBytesOf(statusText: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

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

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
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
  private readonly last = new Map<string, { pid: number; ticks: number; at: number }>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly targets: ProcTarget[], private readonly origin: number, private readonly periodMs = 1000) {
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
    const at = Date.now();
    for (const target of this.targets) {
      const pid = target.pid();
      const series = this.series.get(target.name)!;
      if (pid === undefined) continue;
      let ticks: number;
      let rss: number;
      try {
        ticks = cpuTicksOf(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        rss = rssBytesOf(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        continue; // exited between the lookup and the read
      }
      if (!series.pids.includes(pid)) series.pids.push(pid);
      const previous = this.last.get(target.name);
      if (previous && previous.pid === pid && at > previous.at) {
        series.cpu.push({ t: at - this.origin, v: ((ticks - previous.ticks) / ticksPerSecond() / ((at - previous.at) / 1000)) * 100 });
      }
      series.rssMb.push({ t: at - this.origin, v: rss / 1024 / 1024 });
      this.last.set(target.name, { pid, ticks, at });
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
    else if (found.clickhouse === undefined && /^\S*clickhouse(-server|\s+server)\b/.test(cmdline) && !cmdline.includes('runuser')) found.clickhouse = pid;
  }
  return found;
}
