// Runs one consumer process (or several replicas in the same group) over a prepared offset range and
// measures it: the group is moved to the start of the range, the processes are spawned, and every
// ~250 ms the group's committed offsets and the processes' /proc CPU and RSS are read, until the range
// is drained; then the processes are stopped.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { readProcSample } from '../shared/procstats.js';
import { committedOffsets, setGroupOffsets } from './kafka.js';
import { drained, progress, rangeSize, splitPartitionKey, type Offsets } from './range.js';
import { drainFigures, drainWindow, type Poll, type ProcessFigures } from './report.js';

export interface ProcessSpec {
  /** The process: `node <script> …`. */
  readonly args: readonly string[];
  readonly logFile: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface DrainSpec {
  /** Label in logs and errors. */
  readonly name: string;
  /** One process, or the replicas of one group (all spawned at once). */
  readonly processes: readonly ProcessSpec[];
  readonly groupId: string;
  readonly start: Offsets;
  readonly end: Offsets;
  readonly pollMs?: number;
  /** Give up when the committed offsets do not move for this long. */
  readonly stallMs?: number;
  /** Called after each poll while draining (e.g. to read the group's assignment). */
  readonly onPoll?: () => Promise<void>;
  /** Called once the range is drained, before the processes are stopped (e.g. to read their /metrics). */
  readonly beforeStop?: () => Promise<void>;
}

/** One process's part of a drain: its CPU over the timed window, its start-up and peak RSS. */
export interface ProcessShare {
  readonly cpuSeconds: number;
  readonly peakRssBytes: number | undefined;
  readonly exitCode: number | null;
}

export interface MeasuredDrain extends ProcessFigures {
  /** By process, in the order of `spec.processes`. */
  readonly processes: readonly ProcessShare[];
  /** ms epoch of the poll that opened the timed window. */
  readonly windowStartAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function measureDrain(admin: Admin, spec: DrainSpec): Promise<MeasuredDrain> {
  const pollMs = spec.pollMs ?? 250;
  const stallMs = spec.stallMs ?? 120_000;
  const topics = [...new Set([...spec.end.keys()].map((k) => splitPartitionKey(k).topic))];
  const total = rangeSize(spec.start, spec.end);
  await setGroupOffsets(admin, spec.groupId, spec.start);

  const children = spec.processes.map((p) => {
    const log = openSync(p.logFile, 'w');
    const child = spawn(process.execPath, p.args, { stdio: ['ignore', log, log], env: { ...process.env, ...p.env } });
    closeSync(log);
    const state: { exitCode: number | null | undefined } = { exitCode: undefined };
    const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((state.exitCode = code), resolve())));
    return { child, state, exited, logFile: p.logFile };
  });
  const spawnedAt = Date.now();
  const polls: Poll[] = [];
  const peakRss: Array<number | undefined> = children.map(() => undefined);
  try {
    let lastProgress = -1;
    let lastMoveAt = Date.now();
    for (;;) {
      await sleep(pollMs);
      const gone = children.find((c) => c.state.exitCode !== undefined);
      if (gone)
        throw new Error(
          `${spec.name} exited with code ${gone.state.exitCode} before draining its range; log ${gone.logFile}:\n${logTail(gone.logFile)}`,
        );
      const committed = await committedOffsets(admin, spec.groupId, topics);
      const samples = children.map((c) => readProcSample(c.child.pid as number));
      if (samples.some((s) => !s)) continue;
      const done = progress(spec.start, spec.end, committed);
      const processCpuSeconds = samples.map((s) => s!.cpuSeconds);
      const poll: Poll = {
        at: Date.now(),
        progress: done,
        drained: drained(spec.start, spec.end, committed),
        cpuSeconds: processCpuSeconds.reduce((a, b) => a + b, 0),
        rssBytes: samples.reduce((a, s) => a + s!.rssBytes, 0),
        processCpuSeconds,
      };
      polls.push(poll);
      samples.forEach((s, i) => (peakRss[i] = s!.peakRssBytes));
      if (spec.onPoll) await spec.onPoll();
      if (poll.drained) break;
      if (done !== lastProgress) {
        lastProgress = done;
        lastMoveAt = poll.at;
      } else if (poll.at - lastMoveAt > stallMs) {
        const logs = children.map((c) => `log ${c.logFile}:\n${logTail(c.logFile)}`).join('\n');
        throw new Error(
          `${spec.name} made no progress for ${stallMs / 1000} s at ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}; ${logs}`,
        );
      }
    }
    if (spec.beforeStop) await spec.beforeStop();
  } finally {
    await Promise.all(
      children.map(async ({ child, state, exited }) => {
        if (state.exitCode !== undefined) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      }),
    );
  }
  const figures = drainFigures(polls, total);
  const window = drainWindow(polls);
  const firstProgress = polls.find((p) => p.progress > 0) ?? polls[polls.length - 1]!;
  const sumPeak = peakRss.every((p) => p !== undefined) ? peakRss.reduce<number>((a, p) => a + p!, 0) : undefined;
  return {
    ...figures,
    startupSeconds: (firstProgress.at - spawnedAt) / 1000,
    peakRssBytes: sumPeak,
    exitCode: children.map((c) => c.state.exitCode ?? null).find((c) => c !== null && c !== 0) ?? children[0]?.state.exitCode ?? null,
    windowStartAt: polls[window.start]!.at,
    processes: children.map((c, i) => ({
      cpuSeconds: (polls[window.end]!.processCpuSeconds?.[i] ?? 0) - (polls[window.start]!.processCpuSeconds?.[i] ?? 0),
      peakRssBytes: peakRss[i],
      exitCode: c.state.exitCode ?? null,
    })),
  };
}
