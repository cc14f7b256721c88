/**
 * An exchange's clock as seen from here: its latest timestamp, advanced by our wall time
 * since. The simulator runs a sped-up virtual clock and real exchanges drift from ours,
 * so bar closing by time must not use our clock directly.
 */
export class ExchangeClock {
  private exchangeTime: number | undefined;
  private observedAt = 0;

  constructor(private readonly wallClock: () => number = Date.now) {}

  observe(exchangeTime: number): void {
    if (!Number.isFinite(exchangeTime)) return;
    const wall = this.wallClock();
    // Frames from several connections interleave: never move the clock backwards.
    if (this.exchangeTime === undefined || exchangeTime > this.exchangeTime + (wall - this.observedAt)) {
      this.exchangeTime = exchangeTime;
      this.observedAt = wall;
    }
  }

  /** Undefined until the exchange has sent a timestamp. */
  now(): number | undefined {
    return this.exchangeTime === undefined ? undefined : this.exchangeTime + (this.wallClock() - this.observedAt);
  }
}
