// Runs one consumer process over a prepared offset range and measures it: the group is moved to the
// start of the range, the process is spawned, and every ~250 ms the group's committed offsets and the
// process's /proc CPU and RSS are read, until the range is drained; then the process is stopped.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { readProcSample } from '../shared/procstats.js';
import { committedOffsets, setGroupOffsets } from './kafka.js';
import { drained, progress, rangeSize, splitPartitionKey, type Offsets } from './range.js';
import { drainFigures, type Poll, type ProcessFigures } from './report.js';

export interface DrainSpec {
  /** Label in logs and errors. */
  readonly name: string;
  /** The process: `node <script> …`. */
  readonly args: readonly string[];
  readonly logFile: string;
  readonly groupId: string;
  readonly start: Offsets;
  readonly end: Offsets;
  readonly pollMs?: number;
  /** Give up when the committed offsets do not move for this long. */
  readonly stallMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function measureDrain(admin: Admin, spec: DrainSpec): Promise<ProcessFigures> {
  const pollMs = spec.pollMs ?? 250;
  const stallMs = spec.stallMs ?? 120_000;
  const topics = [...new Set([...spec.end.keys()].map((k) => splitPartitionKey(k).topic))];
  const total = rangeSize(spec.start, spec.end);
  await setGroupOffsets(admin, spec.groupId, spec.start);

  const log = openSync(spec.logFile, 'w');
  const child = spawn(process.execPath, spec.args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const spawnedAt = Date.now();
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((exitCode = code), resolve())));
  const polls: Poll[] = [];
  let peakRssBytes: number | undefined;
  try {
    let lastProgress = -1;
    let lastMoveAt = Date.now();
    for (;;) {
      await sleep(pollMs);
      if (exitCode !== undefined) throw new Error(`${spec.name} exited with code ${exitCode} before draining its range; log ${spec.logFile}:\n${logTail(spec.logFile)}`);
      const committed = await committedOffsets(admin, spec.groupId, topics);
      const sample = readProcSample(child.pid as number);
      if (!sample) continue;
      const done = progress(spec.start, spec.end, committed);
      const poll: Poll = { at: Date.now(), progress: done, drained: drained(spec.start, spec.end, committed), cpuSeconds: sample.cpuSeconds, rssBytes: sample.rssBytes };
      polls.push(poll);
      peakRssBytes = sample.peakRssBytes;
      if (poll.drained) break;
      if (done !== lastProgress) {
        lastProgress = done;
        lastMoveAt = poll.at;
      } else if (poll.at - lastMoveAt > stallMs) {
        throw new Error(`${spec.name} made no progress for ${stallMs / 1000} s at ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}; log ${spec.logFile}:\n${logTail(spec.logFile)}`);
      }
    }
  } finally {
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    }
  }
  const figures = drainFigures(polls, total);
  const firstProgress = polls.find((p) => p.progress > 0) ?? polls[polls.length - 1]!;
  return { ...figures, startupSeconds: (firstProgress.at - spawnedAt) / 1000, peakRssBytes, exitCode: exitCode ?? null };
}
