/**
 * An exchange's clock as seen from here: its latest timestamp, advanced by our wall time
 * since. The simulator runs a sped-up virtual clock and real exchanges drift from ours,
 * so bar closing by time must not use our clock directly.
 */
export class ExchangeClock {
  private exchangeTime: number | undefined;
  private observedAt = 0;
  private latestShown: number | undefined;

  constructor(private readonly wallClock: () => number = Date.now) {}

  observe(exchangeTime: number): void {
    if (!Number.isFinite(exchangeTime)) return;
    if (this.latestShown === undefined || exchangeTime > this.latestShown) this.latestShown = exchangeTime;
    const wall = this.wallClock();
    // Frames from several connections interleave: never move the clock backwards.
    if (this.exchangeTime === undefined || exchangeTime > this.exchangeTime + (wall - this.observedAt)) {
      this.exchangeTime = exchangeTime;
      this.observedAt = wall;
    }
  }

  /**
   * The latest time the exchange has itself shown. Closing bars by time uses this, not now():
   * while our input lags (a Kafka outage, a consumer restart) wall time runs on, but the
   * exchange's ticks are only delayed, and a bar closed early would miss its last ones.
   */
  latest(): number | undefined {
    return this.latestShown;
  }

  /** Undefined until the exchange has sent a timestamp. */
  now(): number | undefined {
    return this.exchangeTime === undefined ? undefined : this.exchangeTime + (this.wallClock() - this.observedAt);
  }
}
