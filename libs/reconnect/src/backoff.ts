export interface BackoffOptions {
  /** Lower bound of every delay, and of the first retry's window (config reconnect_delay). */
  readonly initialMs: number;
  /** Upper bound of any delay (config reconnect_max_delay). */
  readonly maxMs: number;
  /** A connection healthy for this long earns a fresh start: the next loss retries fast again. */
  readonly resetAfterMs: number;
  /** Injected for tests; must return a value in [0, 1). */
  readonly random?: () => number;
}

/**
 * Width of the first window relative to `initialMs`: with 100 ms the first retry lands
 * in 100–250 ms, fast enough for the 3 s reconnect SLO, jittered enough that a fleet
 * of connections dropped together does not reconnect in lock-step.
 */
const FIRST_WINDOW_FACTOR = 2.5;

/**
 * Exponential backoff with full jitter over [initial, min(max, initial·2.5·2^attempt)].
 * It never gives up: a market-data feed that stops retrying is an outage.
 */
export class Backoff {
  private attempt = 0;
  private healthySince: number | undefined;
  private readonly random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs > 0) || options.maxMs < options.initialMs) {
      throw new RangeError(`backoff needs 0 < initialMs <= maxMs (got ${options.initialMs}, ${options.maxMs})`);
    }
    this.random = options.random ?? Math.random;
  }

  /** Delay before the next attempt; `now` decides whether the last connection earned a reset. */
  nextDelay(now: number): number {
    if (this.healthySince !== undefined && now - this.healthySince >= this.options.resetAfterMs) this.attempt = 0;
    this.healthySince = undefined;
    const { initialMs, maxMs } = this.options;
    // Exponent capped so the product stays finite however long an outage lasts.
    const ceiling = Math.min(maxMs, initialMs * FIRST_WINDOW_FACTOR * 2 ** Math.min(this.attempt, 40));
    this.attempt += 1;
    return initialMs + this.random() * (ceiling - initialMs);
  }

  /** The connection is up and delivering; the reset is earned once it stays so for resetAfterMs. */
  markHealthy(now: number): void {
    this.healthySince ??= now;
  }

  get attempts(): number {
    return this.attempt;
  }
}
