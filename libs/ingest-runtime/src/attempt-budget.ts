import { SlidingWindowPacer } from './pacer.js';

/** How long a connection whose twin still delivers waits before asking again while a starved one waits. */
const YIELD_MS = 100;

/**
 * Connection attempts of one exchange from this process, within the exchange's per-IP limit
 * (Binance 300 per 5 min, OKX 3 per second), counted exactly over a sliding window, so a fleet
 * dropped together reconnects as fast as the limit allows. A limit of five or more is also paced
 * at a fifth of it per fifth of its window: a fleet failing against an exchange that is down
 * cannot spend the whole window at once and leave nothing for the next five minutes.
 *
 * A connection is "starved" when no other connection of its shard delivers (its streams carry no
 * data at all); starved connections go first, so with hot standbys every shard gets one
 * connection back before any shard gets its second.
 */
export class AttemptBudget {
  private readonly windows: SlidingWindowPacer[];
  private readonly starving = new Set<unknown>();

  constructor(count: number, perMs: number) {
    if (count < 1 || perMs <= 0) throw new RangeError('an attempt budget needs at least one attempt per positive window');
    this.windows = [new SlidingWindowPacer(count, perMs)];
    if (count >= 5) this.windows.push(new SlidingWindowPacer(Math.floor(count / 5), perMs / 5));
  }

  /**
   * 0 when `claimant` may start an attempt at `now` (and it is counted), otherwise how long to wait
   * before asking again. A claimant that is refused keeps asking until it is granted or `forget`s.
   */
  take(now: number, claimant: unknown, starved: boolean): number {
    const wait = Math.max(...this.windows.map((window) => window.delay(now)));
    if (!starved) {
      this.starving.delete(claimant);
      if (this.starving.size > 0) return Math.max(wait, YIELD_MS);
    }
    if (wait > 0) {
      if (starved) this.starving.add(claimant);
      return wait;
    }
    this.starving.delete(claimant);
    for (const window of this.windows) window.record(now);
    return 0;
  }

  /** A claimant that stopped asking (its connection was stopped) no longer holds others back. */
  forget(claimant: unknown): void {
    this.starving.delete(claimant);
  }
}
