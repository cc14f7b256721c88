import Big from 'big.js';
import { INTERVAL_MS, type Interval } from '@klineflow/exchanges';
import type { StandardKline } from '@klineflow/schemas';
import { checkPriceJump, checkVolumeSpike, type SanityCheck, type SanityFinding, type SanityLimits } from './sanity.js';

/** Clock-closed bars remembered per stream while their final version is fetched. */
const MAX_UNVERIFIED = 50;

export type DropKind = 'duplicate' | 'stale' | 'duplicate_closed';
export type SanityPolicy = 'flag' | 'reject';

export interface IntegrityPolicy extends SanityLimits {
  readonly policies: Record<SanityCheck, SanityPolicy>;
  /** An open bar M while bar M-1 is not closed is a hole once M is this old on the exchange clock. */
  readonly openBarGapGraceMs: number;
  /** Gaps kept per stream; the oldest unfilled ones beyond it are forgotten (they were reported). */
  readonly maxOpenGaps: number;
}

export interface OpenGap {
  readonly from: number;
  readonly to: number;
  readonly missing: number;
  /** Open times of the missing bars that have arrived since. */
  readonly filled: number[];
  /** Wall time of the last backfill request for it; absent after a restart, which asks again. */
  requestedAt?: number;
}

/** Everything that must survive a restart, as plain JSON. */
export interface StreamState {
  lastClosedOpenTime: number | null;
  /** Highest open time known closed or already reported missing: nothing at or below it is a new gap. */
  coveredUntil: number | null;
  /** Latest version emitted (the newest bar): the reference for duplicates and stale updates. */
  lastEmitted: StandardKline | null;
  /**
   * Streams whose bars close by inference only (Mapper `barClosing`): the open bar awaiting a later bar
   * or its time to close it. Usually the very object `lastEmitted` holds (./snapshot.ts stores it once).
   */
  pendingBar: StandardKline | null;
  gaps: OpenGap[];
  /** Base volumes of the last closed bars, oldest first. */
  volumes: string[];
  lastClose: string | null;
  /** Bars closed by the clock, awaiting the exchange's own version (absent in older snapshots). */
  unverified?: number[];
  /** Partition of `raw.<exchange>` that carries the stream: whoever owns it owns this state. */
  rawPartition?: number;
}

export interface GapRange {
  readonly from: number;
  readonly to: number;
  readonly missing: number;
}

export interface KlineOutcome {
  emitted?: StandardKline;
  dropped?: DropKind;
  rejected?: SanityFinding;
  flags: SanityFinding[];
  gapsOpened: GapRange[];
  gapsFilled: GapRange[];
  /** A closed bar was accepted (emitted or rejected by a sanity policy). */
  closedAccepted: boolean;
  /** The accepted closed bar was one reported missing. */
  filledMissingBar: boolean;
  /** Open time of a bar closed without the exchange saying so, whose final version should be fetched. */
  verify?: number;
}

export function emptyState(): StreamState {
  return { lastClosedOpenTime: null, coveredUntil: null, lastEmitted: null, pendingBar: null, gaps: [], volumes: [], lastClose: null };
}

/**
 * Integrity of one (exchange, symbol, interval) stream: duplicates and stale updates,
 * continuity of closed bars (gaps and their filling), and sanity of closed bars.
 */
export class StreamIntegrity {
  readonly intervalMs: number;

  constructor(
    readonly interval: Interval,
    private readonly policy: IntegrityPolicy,
    public state: StreamState = emptyState(),
  ) {
    this.intervalMs = INTERVAL_MS[interval];
  }

  /**
   * `arrivalOrdered`: the stream's event_time is its receive time (OKX candles), so two distinct
   * updates can share it, and the later arrival is the later update.
   */
  apply(bar: StandardKline, fromBackfill: boolean, arrivalOrdered = false): KlineOutcome {
    return bar.is_closed ? this.applyClosed(bar, fromBackfill) : this.applyOpen(bar, arrivalOrdered);
  }

  /**
   * An update of a stream whose bars carry no closed flag: a tick for a later bar closes the pending one
   * with the values of its last tick. Returns the outcomes of the inferred close (if any) and of the tick.
   */
  applyUnflaggedTick(tick: StandardKline, afterReconnect = false): KlineOutcome[] {
    const outcomes: KlineOutcome[] = [];
    const pending = this.state.pendingBar;
    if (pending && tick.open_time > pending.open_time && afterReconnect) {
      // Its last ticks may have been lost in the reconnect: rather than publish a possibly wrong close,
      // treat the bar as missing, so the exchange's final version is fetched and fills it.
      this.state.pendingBar = null;
      const outcome = newOutcome();
      if (pending.open_time > (this.covered() ?? -Infinity)) this.openGap(pending.open_time, pending.open_time, outcome);
      outcomes.push(outcome);
    } else if (pending && tick.open_time > pending.open_time) {
      // The close is known at the later tick's exchange time, which also makes it the newest version.
      outcomes.push(
        this.closePending({
          ...pending,
          is_closed: true,
          event_time: Math.max(tick.event_time, pending.event_time + 1),
          recv_time: tick.recv_time,
        }),
      );
    }
    const outcome = this.applyOpen(tick);
    if (outcome.emitted) this.state.pendingBar = tick;
    outcomes.push(outcome);
    return outcomes;
  }

  /** Closes the pending bar once its interval plus `graceMs` is over on the exchange clock. */
  closeByClock(exchangeNow: number, graceMs: number, recvTime: number): KlineOutcome | undefined {
    const pending = this.state.pendingBar;
    if (!pending || exchangeNow < pending.open_time + this.intervalMs + graceMs) return undefined;
    const outcome = this.closePending({
      ...pending,
      is_closed: true,
      event_time: Math.max(exchangeNow, pending.event_time + 1),
      recv_time: recvTime,
    });
    if (outcome.emitted) {
      // Silence may be a quiet market or a feed outage that swallowed the last ticks: publish the close
      // on time, and fetch the exchange's final version to confirm or correct it.
      const unverified = (this.state.unverified ??= []);
      unverified.push(pending.open_time);
      if (unverified.length > MAX_UNVERIFIED) unverified.shift();
      outcome.verify = pending.open_time;
    }
    return outcome;
  }

  private closePending(closed: StandardKline): KlineOutcome {
    this.state.pendingBar = null;
    return this.applyClosed(closed, false);
  }

  private applyOpen(bar: StandardKline, arrivalOrdered = false): KlineOutcome {
    const outcome = newOutcome();
    const { lastClosedOpenTime, lastEmitted } = this.state;
    if (lastClosedOpenTime !== null && bar.open_time <= lastClosedOpenTime) return drop(outcome, 'stale');
    if (lastEmitted && bar.open_time < lastEmitted.open_time) return drop(outcome, 'stale');
    if (lastEmitted && bar.open_time === lastEmitted.open_time) {
      if (lastEmitted.is_closed) return drop(outcome, 'stale');
      if (sameValues(bar, lastEmitted)) return drop(outcome, 'duplicate');
      if (bar.event_time < lastEmitted.event_time) return drop(outcome, 'stale');
      // Arrival order decides within a millisecond, and downstream keeps the later of a tie: a late copy of
      // an earlier version (a hot-standby connection's, a replay's) must not pass as the later update.
      if (arrivalOrdered && bar.event_time === lastEmitted.event_time && lowerVolume(bar, lastEmitted)) return drop(outcome, 'stale');
    }
    // Bars before the first one seen are start-up, not gaps; from it on, every close is owed.
    if (this.state.lastClosedOpenTime === null && this.state.coveredUntil === null)
      this.state.coveredUntil = bar.open_time - this.intervalMs;
    this.detectHoleBefore(bar, outcome);
    this.state.lastEmitted = bar;
    outcome.emitted = bar;
    return outcome;
  }

  /** Without this, a stream whose closes stopped arriving (a 1d stream) would be blind until the next close. */
  private detectHoleBefore(bar: StandardKline, outcome: KlineOutcome): void {
    const covered = this.covered();
    if (covered === null) return;
    const previousBar = bar.open_time - this.intervalMs;
    if (previousBar <= covered || bar.event_time - bar.open_time < this.policy.openBarGapGraceMs) return;
    this.openGap(covered + this.intervalMs, previousBar, outcome);
  }

  private applyClosed(bar: StandardKline, fromBackfill: boolean): KlineOutcome {
    const outcome = newOutcome();
    const state = this.state;
    const awaited = fromBackfill ? (state.unverified ?? []).indexOf(bar.open_time) : -1;
    if (awaited >= 0) {
      // The exchange's final version of a bar closed by the clock replaces the inferred one.
      state.unverified!.splice(awaited, 1);
      return this.accept(bar, outcome, false);
    }
    const gap = state.gaps.find((g) => bar.open_time >= g.from && bar.open_time <= g.to && !g.filled.includes(bar.open_time));
    if (gap) {
      this.fill(gap, bar.open_time, outcome);
      return this.accept(bar, outcome, false);
    }
    if (state.lastClosedOpenTime !== null && bar.open_time <= state.lastClosedOpenTime) {
      // Already closed, or a missing bar already filled: a redundant copy either way.
      return drop(outcome, 'duplicate_closed');
    }
    const covered = this.covered();
    if (covered !== null && bar.open_time > covered + this.intervalMs) {
      this.openGap(covered + this.intervalMs, bar.open_time - this.intervalMs, outcome);
    }
    // Not compared with lastEmitted: a close may trail an open update of the next bar
    // (redundant connections interleave), and it is still the first close of its bar.
    return this.accept(bar, outcome, !fromBackfill);
  }

  private accept(bar: StandardKline, outcome: KlineOutcome, runSanity: boolean): KlineOutcome {
    const state = this.state;
    if (runSanity) {
      for (const finding of [
        checkPriceJump(state.lastClose, bar.close, this.policy),
        checkVolumeSpike(state.volumes, bar.volume, this.policy),
      ]) {
        if (!finding) continue;
        if (this.policy.policies[finding.check] === 'reject') outcome.rejected ??= finding;
        else outcome.flags.push(finding);
      }
    }
    outcome.closedAccepted = true;
    if (state.pendingBar && bar.open_time >= state.pendingBar.open_time) state.pendingBar = null;
    if (state.lastClosedOpenTime === null || bar.open_time > state.lastClosedOpenTime) {
      state.lastClosedOpenTime = bar.open_time;
      // The reference price moves even past a rejected bar: a lasting move must not be rejected forever.
      state.lastClose = bar.close;
      if (!outcome.rejected) {
        state.volumes.push(bar.volume);
        if (state.volumes.length > this.policy.volumeMedianWindow) state.volumes.shift();
      }
    }
    if (state.coveredUntil === null || bar.open_time > state.coveredUntil) state.coveredUntil = bar.open_time;
    if (!outcome.rejected) {
      if (!state.lastEmitted || bar.open_time >= state.lastEmitted.open_time) state.lastEmitted = bar;
      outcome.emitted = bar;
    }
    return outcome;
  }

  private covered(): number | null {
    const { lastClosedOpenTime, coveredUntil } = this.state;
    if (lastClosedOpenTime === null) return coveredUntil; // before any close: from the first bar seen on
    return coveredUntil === null ? lastClosedOpenTime : Math.max(lastClosedOpenTime, coveredUntil);
  }

  private openGap(from: number, to: number, outcome: KlineOutcome): void {
    const gap: OpenGap = { from, to, missing: (to - from) / this.intervalMs + 1, filled: [] };
    this.state.gaps.push(gap);
    if (this.state.gaps.length > this.policy.maxOpenGaps) this.state.gaps.shift();
    this.state.coveredUntil = Math.max(this.state.coveredUntil ?? to, to);
    outcome.gapsOpened.push({ from, to, missing: gap.missing });
  }

  private fill(gap: OpenGap, openTime: number, outcome: KlineOutcome): void {
    gap.filled.push(openTime);
    outcome.filledMissingBar = true;
    if (gap.filled.length === gap.missing) {
      this.state.gaps = this.state.gaps.filter((g) => g !== gap);
      outcome.gapsFilled.push({ from: gap.from, to: gap.to, missing: gap.missing });
    }
  }
}

function newOutcome(): KlineOutcome {
  return { flags: [], gapsOpened: [], gapsFilled: [], closedAccepted: false, filledMissingBar: false };
}

function drop(outcome: KlineOutcome, kind: DropKind): KlineOutcome {
  outcome.dropped = kind;
  return outcome;
}

/**
 * A bar's base volume only grows while it is open: a version with less volume is an earlier one.
 * big.js only here: it runs for the rare updates that share a millisecond with the previous one.
 */
function lowerVolume(bar: StandardKline, than: StandardKline): boolean {
  try {
    return new Big(bar.volume).lt(than.volume);
  } catch {
    return false;
  }
}

/** An identical repeat (redundant connection, reconnect overlap) differs at most in receive and event time. */
function sameValues(a: StandardKline, b: StandardKline): boolean {
  return (
    a.is_closed === b.is_closed &&
    a.close === b.close &&
    a.high === b.high &&
    a.low === b.low &&
    a.volume === b.volume &&
    a.quote_volume === b.quote_volume &&
    a.trade_count === b.trade_count &&
    a.open === b.open
  );
}
