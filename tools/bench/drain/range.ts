// Offset ranges of the drain benchmark: what a consumer group must read (from the offsets before the
// fill to the end after it), and how far its committed offsets have come. Pure; no Kafka here.

/** Offsets by `topic:partition`. */
export type Offsets = ReadonlyMap<string, bigint>;

export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export function splitPartitionKey(key: string): { topic: string; partition: number } {
  const colon = key.lastIndexOf(':');
  return { topic: key.slice(0, colon), partition: Number(key.slice(colon + 1)) };
}

/** Messages between `start` and `end`, over every partition of `end`. */
export function rangeSize(start: Offsets, end: Offsets): number {
  let total = 0n;
  for (const [key, to] of end) {
    const from = start.get(key) ?? 0n;
    if (to > from) total += to - from;
  }
  return Number(total);
}

/**
 * Messages of the range a group has committed past: per partition, its committed offset clamped to
 * [start, end], minus start. A partition without a commit (or `-1`) has made no progress.
 */
export function progress(start: Offsets, end: Offsets, committed: Offsets): number {
  let done = 0n;
  for (const [key, to] of end) {
    const from = start.get(key) ?? 0n;
    const at = committed.get(key);
    if (at === undefined || at < from) continue;
    done += (at > to ? to : at) - from;
  }
  return Number(done);
}

/** Whether every partition's committed offset has reached the end of the range. */
export function drained(start: Offsets, end: Offsets, committed: Offsets): boolean {
  for (const [key, to] of end) {
    if (to <= (start.get(key) ?? 0n)) continue;
    if ((committed.get(key) ?? -1n) < to) return false;
  }
  return true;
}
