// Per-record latency samples of one destination, kept compactly (Int32 ms, one byte of tag per
// sample) so ten minutes at ~10,000 records/s cost the measuring process little memory and no GC
// scanning. Samples are appended in receipt order, so a time window is a range of indices.
import { percentiles, type Percentiles } from './stats.js';

const CHUNK = 1 << 20;

export interface WindowStats {
  /** Start of the window, ms since the measurement started. */
  readonly t: number;
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export class LatencySamples {
  private readonly values: Int32Array[] = [];
  private readonly tags: Uint8Array[] = [];
  private length = 0;
  /** First sample index of each window, by window number. */
  private readonly windowStarts: number[] = [];
  private startedAt = Number.NaN;
  private stoppedAt = Number.NaN;

  constructor(readonly windowMs = 10_000) {}

  /** Samples are kept only between start and stop: warm-up and drain are left out. */
  start(at: number): void {
    this.startedAt = at;
  }

  stop(at: number): void {
    this.stoppedAt = at;
  }

  get recording(): boolean {
    return !Number.isNaN(this.startedAt) && Number.isNaN(this.stoppedAt);
  }

  get count(): number {
    return this.length;
  }

  /** One record received at `at` (ms epoch) with latency `ms`; `tag` is a small label (the exchange). */
  add(ms: number, at: number, tag = 0): void {
    if (!this.recording || at < this.startedAt) return;
    const window = Math.floor((at - this.startedAt) / this.windowMs);
    while (this.windowStarts.length <= window) this.windowStarts.push(this.length);
    const chunk = this.length >>> 20;
    const offset = this.length & (CHUNK - 1);
    if (chunk === this.values.length) {
      this.values.push(new Int32Array(CHUNK));
      this.tags.push(new Uint8Array(CHUNK));
    }
    this.values[chunk]![offset] = Math.round(ms);
    this.tags[chunk]![offset] = tag;
    this.length++;
  }

  private slice(from: number, to: number, tag?: number): Int32Array {
    const out = new Int32Array(to - from);
    let n = 0;
    for (let i = from; i < to; i++) {
      const chunk = i >>> 20;
      const offset = i & (CHUNK - 1);
      if (tag === undefined || this.tags[chunk]![offset] === tag) out[n++] = this.values[chunk]![offset]!;
    }
    return out.subarray(0, n);
  }

  /** Every kept sample (of one tag). */
  all(tag?: number): Int32Array {
    return this.slice(0, this.length, tag);
  }

  summary(tag?: number): Percentiles {
    return percentiles(this.all(tag));
  }

  /** The last complete window (the one before the window samples currently go to), for progress lines. */
  lastCompleteWindow(): WindowStats | undefined {
    const i = this.windowStarts.length - 2;
    if (i < 0) return undefined;
    const s = percentiles(this.slice(this.windowStarts[i]!, this.windowStarts[i + 1]!));
    return { t: i * this.windowMs, count: s.count, p50: s.p50, p99: s.p99, max: s.max };
  }

  /** p50/p99/max per window, including empty windows inside the run (count 0, NaN values). */
  windows(): WindowStats[] {
    return this.windowStarts.map((from, i) => {
      const to = this.windowStarts[i + 1] ?? this.length;
      const s = percentiles(this.slice(from, to));
      return { t: i * this.windowMs, count: s.count, p50: s.p50, p99: s.p99, max: s.max };
    });
  }
}

/** A number that `recv_time` follows in a record's JSON, read without parsing the record. */
export function recvTimeOf(json: string): number | undefined {
  const at = json.indexOf('"recv_time":');
  if (at < 0) return undefined;
  let i = at + 12;
  while (json.charCodeAt(i) === 32) i++;
  let value = 0;
  let digits = 0;
  for (let c = json.charCodeAt(i); c >= 48 && c <= 57; c = json.charCodeAt(++i)) {
    value = value * 10 + (c - 48);
    digits++;
  }
  return digits > 0 ? value : undefined;
}
