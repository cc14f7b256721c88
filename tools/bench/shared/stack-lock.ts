// One benchmark at a time on the shared local stack. The benchmarks move consumer groups, fill topics
// and time processes on two cores: two at once spoil each other's figures, and a platform started by
// one consumes the other's messages. A lock file (machine-wide, in the temp directory) says who runs;
// a lock whose process has gone is taken over.
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const STACK_LOCK = path.join(os.tmpdir(), 'klineflow-bench-stack.lock');

interface Holder {
  readonly owner: string;
  readonly pid: number;
  readonly since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock for `owner` (e.g. `bench:drain`), waiting up to `waitMs` for its holder to finish.
 * Returns the release function (also run at exit). Throws naming the holder when the wait runs out.
 */
export async function acquireStackLock(owner: string, waitMs: number, file = STACK_LOCK): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  const me: Holder = { owner, pid: process.pid, since: new Date().toISOString() };
  for (;;) {
    try {
      writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      const release = () => {
        if (holder(file)?.pid === process.pid) unlinkSync(file);
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = holder(file);
    if (!current || !alive(current.pid)) {
      // Its process is gone (killed, crashed): the lock is stale.
      try {
        unlinkSync(file);
      } catch {
        // Someone else took it over first.
      }
      continue;
    }
    if (Date.now() >= deadline)
      throw new Error(
        `${current.owner} (pid ${current.pid}, since ${current.since}) is using the local stack (${file}); wait for it, or pass a longer wait`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Other benchmark runners on this machine (`tools/bench/<name>/main.ts` but `ownName`'s), found by
 * their command lines in /proc: a way to wait for a benchmark that does not take the lock.
 */
export function otherBenchmarks(ownName: string): string[] {
  const found: string[] = [];
  const pattern = /tools\/bench\/([\w-]+)\/main\.ts/;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    const match = pattern.exec(cmdline);
    if (match && match[1] !== ownName && !cmdline.startsWith('sh ')) found.push(`pid ${entry}: ${cmdline.slice(0, 120)}`);
  }
  return found;
}
