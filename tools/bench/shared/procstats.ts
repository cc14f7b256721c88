// CPU time and memory of a running process from /proc (Linux), for the benchmarks in tools/bench/.
// Shared by the drain benchmark (tools/bench/drain) and free for the load benchmark to use.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One reading of a process: cumulative CPU seconds since it started, and its memory now. */
export interface ProcSample {
  /** ms epoch of the reading. */
  readonly at: number;
  readonly userSeconds: number;
  readonly systemSeconds: number;
  /** user + system. */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  /** Peak resident set since the process started (VmHWM), where the kernel reports it. */
  readonly peakRssBytes: number | undefined;
}

export interface StatFields {
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  readonly rssPages: number;
}

/**
 * Fields of `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may contain
 * spaces and parentheses, so the fields are counted from the last `)`: utime is field 14,
 * stime 15, rss (pages) 24.
 */
export function parseStat(text: string): StatFields {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state).
  const at = (field: number) => {
    const value = Number(fields[field - 3]);
    if (!Number.isFinite(value)) throw new Error(`/proc stat field ${field} is not a number`);
    return value;
  };
  return { utimeTicks: at(14), stimeTicks: at(15), rssPages: at(24) };
}

/** `VmHWM` (peak RSS) of `/proc/<pid>/status`, in bytes. */
export function parsePeakRss(status: string): number | undefined {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

let system: { clockTicks: number; pageSize: number } | undefined;

/** Clock ticks per second and page size of this machine (getconf; 100 and 4096 where it is missing). */
export function systemUnits(): { clockTicks: number; pageSize: number } {
  if (system) return system;
  const conf = (name: string, fallback: number) => {
    try {
      const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
      return Number.isFinite(value) && value > 0 ? value : fallback;
    } catch {
      return fallback;
    }
  };
  system = { clockTicks: conf('CLK_TCK', 100), pageSize: conf('PAGESIZE', 4096) };
  return system;
}

/** Reads a process's CPU and memory now; undefined once it has exited. */
export function readProcSample(pid: number, now: () => number = Date.now): ProcSample | undefined {
  let stat: string;
  let status: string | undefined;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const { clockTicks, pageSize } = systemUnits();
  const fields = parseStat(stat);
  const userSeconds = fields.utimeTicks / clockTicks;
  const systemSeconds = fields.stimeTicks / clockTicks;
  return {
    at: now(),
    userSeconds,
    systemSeconds,
    cpuSeconds: userSeconds + systemSeconds,
    rssBytes: fields.rssPages * pageSize,
    peakRssBytes: status === undefined ? undefined : parsePeakRss(status),
  };
}

/** CPU used between two readings of one process, as a share of one core (1.0 = a full core). */
export function coreShare(from: ProcSample, to: ProcSample): number {
  const wallSeconds = (to.at - from.at) / 1000;
  return wallSeconds > 0 ? (to.cpuSeconds - from.cpuSeconds) / wallSeconds : Number.NaN;
}
