/**
 * Connection attempts of one exchange from this process, within the exchange's per-IP limit
 * (Binance 300 per 5 min, OKX 3 per second). A token bucket: a fifth of the limit may go at once
 * (a fleet of connections dropped together reconnects together), the rest refills evenly, so no
 * window of the limit's length ever holds more than the limit. Reconnects can then back off only
 * briefly per connection without a fleet hammering an exchange that is down.
 */
export class AttemptBudget {
  private readonly burst: number;
  private readonly refillPerMs: number;
  private tokens: number;
  private refilledAt: number;

  constructor(count: number, perMs: number, now = Date.now()) {
    if (count < 1 || perMs <= 0) throw new RangeError('an attempt budget needs at least one attempt per positive window');
    this.burst = Math.max(1, Math.floor(count / 5));
    this.refillPerMs = (count - this.burst) / perMs;
    this.tokens = this.burst;
    this.refilledAt = now;
  }

  /** 0 when an attempt may start at `now` (and it is counted), otherwise how long to wait before asking again. */
  take(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.refillPerMs);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return this.refillPerMs > 0 ? Math.ceil((1 - this.tokens) / this.refillPerMs) : Infinity;
  }
}
