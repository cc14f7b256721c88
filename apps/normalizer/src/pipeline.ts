import { EXCHANGE_IDS, isExchangeId, isInterval, type ExchangeId } from '@klineflow/exchanges';
import { arrivalOrder, klineKey, rawTopic, TOPICS, type ReceivedRawFrameHeaders, type StandardRecordHeaders } from '@klineflow/kafka';
import { METRICS } from '@klineflow/observability';
import { abbreviate, type BackfillRequest, type DeadLetter, type KlineGap, type StandardKline } from '@klineflow/schemas';
import { DEFAULT_MAX_CLOCK_SKEW_MS, type KlineflowConfig } from '@klineflow/config';
import { checkBounds, type Bounds } from './bounds.js';
import { ExchangeClock } from './clock.js';
import { BatchCounts } from './counts.js';
import { fromSnapshot, toSnapshot, type StreamSnapshot } from './integrity/snapshot.js';
import {
  StreamIntegrity,
  type GapRange,
  type IntegrityPolicy,
  type KlineOutcome,
  type OpenGap,
  type StreamState,
} from './integrity/stream.js';
import { EXCHANGES, type BackfillContext, type FrameContext, type MappedRecord, type MapResult } from '@klineflow/exchange-modules';
import { matchesStream } from './stream-key.js';
import { validateRecord, type Violation } from './validation.js';

/** A consumed raw frame with its headers decoded to strings. */
export interface RawMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The Kafka key: the native stream the ingest received the frame on (its connection id when it could not place it). */
  readonly key?: string;
  readonly value: string;
  readonly headers: ReceivedRawFrameHeaders;
}

export interface OutputMessage {
  readonly key: string;
  readonly value: string;
  /** Arrival-ordered records: their `order` (libs/kafka `StandardRecordHeaders`). */
  readonly headers?: StandardRecordHeaders;
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: OutputMessage[];
}

/** What one drain hands to Kafka: records, state snapshots, and latency samples to observe once sent. */
export interface Drained {
  readonly topicMessages: TopicMessages[];
  readonly recvTimeSamples: number[];
}

const RECORD_TOPICS = { ticker: TOPICS.tickers, depth: TOPICS.depth, trade: TOPICS.trades } as const;
/** One latency sample per this many frames keeps histogram cost off the hot path. */
const LATENCY_SAMPLE_EVERY = 16;
/** An unfilled gap is requested again after this long: longer than a full backlog of history requests takes to drain, or retries would pile onto it. */
export const BACKFILL_RETRY_MS = 120_000;
const MAX_TRACKED_CONNECTIONS = 4;
/** Raw topics of the exchanges whose bars close by inference (Mapper `barClosing`): their clocks close bars. */
const CLOCK_CLOSING_TOPICS = new Set(EXCHANGE_IDS.filter((e) => EXCHANGES[e].mapper.barClosing === 'inferred').map(rawTopic));
const SERVICE = 'normalizer';

/** A dead letter quotes at most this much of its frame: a 1 MiB frame copied whole would not fit a Kafka message. */
export const DEAD_LETTER_RAW_CHARS = 4096;
/**
 * Dead letters one drain may write in full. A flood of small hostile frames turns into more dead-letter
 * bytes than one Kafka request takes (all of an exchange's go to one partition), which would stop the
 * normalizer; past the budget rejects are still counted, and summarised in one letter per drain.
 */
export const DEAD_LETTER_BUDGET_CHARS = 256 * 1024;

export function normalizerBounds(config: KlineflowConfig['integrity']): Bounds {
  return { maxClockSkewMs: config.max_clock_skew_ms };
}

/** Takes only the keys it uses, so callers that build the section by hand need not invent the others. */
export function integrityPolicy(config: Omit<KlineflowConfig['integrity'], 'max_clock_skew_ms'>): IntegrityPolicy {
  return {
    priceJumpPercent: config.price_jump_percent,
    volumeSpikeMultiple: config.volume_spike_multiple,
    volumeMedianWindow: config.volume_median_window,
    policies: { price_jump: config.price_jump_policy, volume_spike: config.volume_spike_policy },
    openBarGapGraceMs: config.open_bar_gap_grace_ms,
    maxOpenGaps: 100,
  };
}

interface StreamEntry {
  readonly exchange: ExchangeId;
  readonly symbol: string;
  readonly integrity: StreamIntegrity;
  /** Inferred closing: the connections that delivered live ticks (a few, for hot standby). A new one means a reconnect. */
  connIds?: string[];
}

/**
 * Raw frames in, standard records out: map, validate, dedupe, check continuity and sanity.
 * No I/O: the Kafka loop feeds it frames and sends what `drain()` returns in one batch.
 */
export class Normalizer {
  readonly counts = new BatchCounts();
  /** Exchange latency samples (seconds) by exchange, observed once per batch. */
  readonly exchangeLatencySamples = Object.fromEntries(EXCHANGE_IDS.map((e) => [e, []])) as unknown as Record<ExchangeId, number[]>;
  private readonly clocks: Record<ExchangeId, ExchangeClock>;
  private readonly partitionClocks = new Map<string, ExchangeClock>();
  private readonly streams = new Map<string, StreamEntry>();
  /**
   * Streams holding a bar that only the clock can close, by the exchange time that bar is due (the end
   * of its interval). Bars end on the interval grid, so a handful of due times hold them all, and the
   * 250 ms check visits only the streams whose bar is due, not the 7,200 pending bars of a 1,200-symbol
   * HTX deployment (5 % of the normalizer's CPU under load when it visited them all).
   */
  private readonly clockPending = new Map<number, Set<string>>();
  /** Streams with open gaps: the once-a-second retry of their history requests visits only these. */
  private readonly gappedStreams = new Set<string>();
  private readonly dirtyStreams = new Set<string>();
  private outputs = new Map<string, OutputMessage[]>();
  private recvTimeSamples: number[] = [];
  private framesSeen = 0;
  private deadLetterChars = 0;
  /** Rejects over this drain's dead-letter budget, by reason. */
  private readonly unwrittenDeadLetters = new Map<string, number>();

  constructor(
    private readonly policy: IntegrityPolicy,
    /** Inferred closing: how long past its interval a bar waits on the exchange clock for a later tick. */
    private readonly closeGraceMs: number,
    private readonly wallClock: () => number = Date.now,
    private readonly bounds: Bounds = { maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS },
  ) {
    this.clocks = Object.fromEntries(EXCHANGE_IDS.map((e) => [e, new ExchangeClock(wallClock)])) as Record<ExchangeId, ExchangeClock>;
  }

  process(message: RawMessage): void {
    const exchange = message.headers.exchange ?? message.topic.slice('raw.'.length);
    if (!isExchangeId(exchange)) {
      this.deadLetter(message, null, 'unknown_exchange', `exchange header "${exchange}"`);
      return;
    }
    const recvHeader = Number(message.headers.recv_ts);
    const recvTime = Number.isFinite(recvHeader) ? recvHeader : this.wallClock();
    const fromBackfill = message.headers.kind === 'backfill';
    const clock = this.clocks[exchange];
    const context: FrameContext = {
      recvTime,
      backfill: fromBackfill ? backfillContext(message.headers) : undefined,
      exchangeNow: () => clock.now() ?? recvTime,
    };
    let result: MapResult;
    try {
      result = EXCHANGES[exchange].mapper.map(message.value, context);
    } catch (error) {
      // A frame of the right channel with the wrong shape (a field missing or of another type).
      result = { kind: 'rejected', reason: 'malformed', detail: error instanceof Error ? error.message : String(error) };
    }
    if (result.kind === 'control') {
      this.counts.add(METRICS.controlFrames, [exchange]);
      return;
    }
    if (result.kind === 'rejected') {
      this.deadLetter(message, exchange, result.reason, result.detail);
      return;
    }
    const accepted = this.acceptable(result.records, exchange, message, fromBackfill);
    // A frame with a rejected record cannot be trusted to carry a true time either: it must not move the
    // exchange clock, which never runs backwards and closes bars (one 1e23 would close them all for good).
    const trusted =
      accepted.length === result.records.length &&
      result.exchangeTime !== undefined &&
      Math.abs(result.exchangeTime - recvTime) <= this.bounds.maxClockSkewMs;
    if (trusted && result.exchangeTime !== undefined && !fromBackfill) {
      clock.observe(result.exchangeTime);
      this.partitionClock(message.topic, message.partition).observe(result.exchangeTime);
    }
    if (this.framesSeen++ % LATENCY_SAMPLE_EVERY === 0) {
      this.recvTimeSamples.push(recvTime);
      // Only a trusted time: a histogram refuses NaN, and a 1e23 would ruin the latency figures.
      if (trusted && result.exchangeTime !== undefined && !fromBackfill)
        this.exchangeLatencySamples[exchange].push((recvTime - result.exchangeTime) / 1000);
    }
    const ordering = EXCHANGES[exchange].mapper.ordering;
    for (let i = 0; i < accepted.length; i++) {
      const mapped = accepted[i] as MappedRecord;
      // Where the exchange gives no time of its own, the raw frame's place in its partition orders updates that share a millisecond.
      const order = ordering[mapped.channel] === 'arrival' ? arrivalOrder(message.offset, i) : undefined;
      if (mapped.channel === 'kline') {
        this.handleKline(mapped.record, fromBackfill, message, order);
      } else {
        this.emit(RECORD_TOPICS[mapped.channel], `${exchange}:${mapped.record.symbol}`, mapped.record, order);
        this.counts.add(METRICS.normalized, [exchange, mapped.channel]);
      }
    }
  }

  /**
   * The records of a frame that may go on: schema, structure, bounds, and the stream the frame was
   * keyed by (the subscribed stream it arrived on, or a live frame naming another symbol or interval
   * would become a stream of its own). Backfill replies are keyed by the stream that was requested.
   */
  private acceptable(records: readonly MappedRecord[], exchange: ExchangeId, message: RawMessage, fromBackfill: boolean): MappedRecord[] {
    const stream = records.length > 0 ? EXCHANGES[exchange].protocol.streamOfKey(message.key ?? '') : undefined;
    const accepted: MappedRecord[] = [];
    for (const mapped of records) {
      const violation: Violation | undefined =
        validateRecord(mapped) ??
        checkBounds(mapped, this.bounds, fromBackfill) ??
        (stream && matchesStream(mapped, stream)
          ? undefined
          : {
              reason: 'stream_mismatch',
              detail: `${mapped.record.symbol} is not the stream of key ${abbreviate(message.key ?? '(none)')}`,
            });
      if (violation) this.deadLetter(message, exchange, violation.reason, `${mapped.channel}: ${violation.detail}`);
      else accepted.push(mapped);
    }
    return accepted;
  }

  /**
   * Closes the bars of inferred-closing streams whose time is up with no later tick of theirs. "Time" is
   * the latest exchange time seen in the stream's own partition: frames of one partition arrive in order,
   * while other partitions may run ahead (a backlog after a restart), which would close bars before their
   * last ticks.
   */
  closeDueInferredBars(): void {
    const newest = this.newestClosingClocks();
    const latest = Math.max(-Infinity, ...newest.values());
    for (const [due, keys] of this.clockPending) {
      if (latest < due + this.closeGraceMs) continue;
      for (const key of keys) {
        const stream = this.streams.get(key);
        const pending = stream?.integrity.state.pendingBar;
        // Closed, dropped by a rebalance, or its pending bar is a later one, which is in that bar's set.
        if (!stream || !pending || pending.open_time + stream.integrity.intervalMs !== due) {
          keys.delete(key);
          continue;
        }
        const topic = rawTopic(stream.exchange);
        if ((newest.get(topic) ?? -Infinity) < due + this.closeGraceMs) continue;
        const { rawPartition } = stream.integrity.state;
        const exchangeNow = rawPartition === undefined ? undefined : this.partitionClock(topic, rawPartition).latest();
        if (exchangeNow === undefined) continue;
        const outcome = stream.integrity.closeByClock(exchangeNow, this.closeGraceMs, this.wallClock());
        if (outcome) this.record(key, stream, outcome, undefined);
        if (stream.integrity.state.pendingBar !== pending) keys.delete(key);
      }
      if (keys.size === 0) this.clockPending.delete(due);
    }
  }

  /** Files the stream under the due time of its pending bar, if it holds one. */
  private awaitClock(key: string, stream: StreamEntry): void {
    const pending = stream.integrity.state.pendingBar;
    if (!pending) return;
    const due = pending.open_time + stream.integrity.intervalMs;
    let keys = this.clockPending.get(due);
    if (!keys) this.clockPending.set(due, (keys = new Set()));
    keys.add(key);
  }

  /** The newest clock of each raw topic whose clocks close bars, over its partitions. */
  private newestClosingClocks(): Map<string, number> {
    const newest = new Map<string, number>();
    for (const [partition, clock] of this.partitionClocks) {
      const topic = partition.slice(0, partition.lastIndexOf(':'));
      if (CLOCK_CLOSING_TOPICS.has(topic)) newest.set(topic, Math.max(newest.get(topic) ?? -Infinity, clock.latest() ?? -Infinity));
    }
    return newest;
  }

  /** Takes everything produced since the last drain, including a state snapshot of each changed stream. */
  drain(): Drained {
    this.summariseUnwrittenDeadLetters();
    for (const key of this.dirtyStreams) {
      const stream = this.streams.get(key) as StreamEntry;
      this.emit(TOPICS.normalizerState, key, toSnapshot(stream.integrity.state));
    }
    this.dirtyStreams.clear();
    const topicMessages = [...this.outputs].map(([topic, messages]) => ({ topic, messages }));
    const recvTimeSamples = this.recvTimeSamples;
    this.outputs = new Map();
    this.recvTimeSamples = [];
    return { topicMessages, recvTimeSamples };
  }

  /** Rebuilds one stream's integrity state from its `normalizer-state` snapshot. */
  private restore(key: string, snapshot: StreamSnapshot): void {
    const state = fromSnapshot(snapshot);
    const [exchange, symbol, interval] = key.split(':');
    if (!isExchangeId(exchange) || !symbol || !isInterval(interval)) return;
    const stream: StreamEntry = { exchange, symbol, integrity: new StreamIntegrity(interval, this.policy, state) };
    this.streams.set(key, stream);
    // Only inferred-closing streams ever hold a pending bar.
    this.awaitClock(key, stream);
    if (state.gaps.length > 0) this.gappedStreams.add(key);
  }

  /**
   * After a rebalance: streams of partitions that moved to another replica are dropped (their
   * state travels through normalizer-state), and those of newly assigned partitions resume from
   * their saved state rather than from what this replica last knew of them, or from nothing.
   */
  reassign(owned: ReadonlySet<string>, newlyOwned: ReadonlySet<string>, saved: ReadonlyMap<string, StreamSnapshot>): void {
    const partitionOf = (exchange: ExchangeId, state: Pick<StreamState, 'rawPartition'>) => `${rawTopic(exchange)}:${state.rawPartition}`;
    for (const [key, stream] of this.streams) {
      if (!owned.has(partitionOf(stream.exchange, stream.integrity.state))) {
        this.streams.delete(key);
        this.dirtyStreams.delete(key);
      }
    }
    for (const key of this.partitionClocks.keys()) if (!owned.has(key)) this.partitionClocks.delete(key);
    for (const [key, state] of saved) {
      const exchange = key.slice(0, key.indexOf(':'));
      if (isExchangeId(exchange) && newlyOwned.has(partitionOf(exchange, state))) this.restore(key, state);
    }
  }

  stateOf(key: string): StreamState | undefined {
    return this.streams.get(key)?.integrity.state;
  }

  /** `order` is set for arrival-ordered streams (libs/kafka `arrivalOrder`). */
  private handleKline(bar: StandardKline, fromBackfill: boolean, source: RawMessage, order: string | undefined): void {
    const key = klineKey(bar.exchange, bar.symbol, bar.interval);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { exchange: bar.exchange, symbol: bar.symbol, integrity: new StreamIntegrity(bar.interval, this.policy) };
      this.streams.set(key, stream);
    }
    stream.integrity.state.rawPartition = source.partition;
    if (!bar.is_closed && EXCHANGES[bar.exchange].mapper.barClosing === 'inferred') {
      const connId = source.headers.conn_id ?? '';
      const known = (stream.connIds ??= []);
      const reconnected = known.length > 0 && !known.includes(connId);
      if (!known.includes(connId)) {
        known.push(connId);
        if (known.length > MAX_TRACKED_CONNECTIONS) known.shift();
      }
      for (const outcome of stream.integrity.applyUnflaggedTick(bar, reconnected)) this.record(key, stream, outcome, source);
      this.awaitClock(key, stream);
    } else {
      const newestBefore = stream.integrity.state.lastEmitted?.open_time;
      const outcome = stream.integrity.apply(bar, fromBackfill, order !== undefined);
      this.record(key, stream, outcome, source, changesSavedState(outcome, newestBefore), order);
    }
  }

  /**
   * Turns one integrity outcome into records, gap events, dead letters and counts. `savesState`
   * marks the stream for a `normalizer-state` snapshot (unflagged ticks always: the pending bar is state).
   */
  private record(
    key: string,
    stream: StreamEntry,
    outcome: KlineOutcome,
    source: RawMessage | undefined,
    savesState = true,
    order?: string,
  ): void {
    const { exchange } = stream;
    const interval = stream.integrity.interval;
    if (outcome.dropped) {
      this.counts.add(METRICS.duplicatesDropped, [exchange, outcome.dropped]);
      return;
    }
    if (savesState) this.dirtyStreams.add(key);
    if (outcome.emitted) {
      this.emit(TOPICS.klines, key, outcome.emitted, order);
      this.counts.add(METRICS.normalized, [exchange, 'kline']);
    }
    for (const flag of outcome.flags) this.counts.add(METRICS.sanityFlags, [exchange, flag.check, 'flag']);
    if (outcome.rejected) {
      this.counts.add(METRICS.sanityFlags, [exchange, outcome.rejected.check, 'reject']);
      this.deadLetter(source, exchange, `sanity_${outcome.rejected.check}`, outcome.rejected.detail);
    }
    if (outcome.closedAccepted) this.counts.add(METRICS.closedBars, [exchange, interval]);
    if (outcome.filledMissingBar) this.counts.add(METRICS.filledBars, [exchange, interval]);
    const backfillable = EXCHANGES[exchange].facts.limits.hasWebSocketHistory;
    for (const gap of outcome.gapsOpened) {
      this.emitGap(stream, gap, 'open', backfillable);
      this.counts.add(METRICS.missingBars, [exchange, interval], gap.missing);
      this.counts.add(METRICS.klineGaps, [exchange, interval, String(backfillable)]);
    }
    if (stream.integrity.state.gaps.length > 0) this.gappedStreams.add(key);
    if (backfillable) for (const gap of stream.integrity.state.gaps) if (gap.requestedAt === undefined) this.requestBackfill(stream, gap);

    for (const gap of outcome.gapsFilled) this.emitGap(stream, gap, 'filled', backfillable);
    if (outcome.verify !== undefined && backfillable)
      this.requestBackfill(stream, { from: outcome.verify, to: outcome.verify, missing: 1, filled: [] });
  }

  private partitionClock(topic: string, partition: number): ExchangeClock {
    const key = `${topic}:${partition}`;
    let clock = this.partitionClocks.get(key);
    if (!clock) this.partitionClocks.set(key, (clock = new ExchangeClock(this.wallClock)));
    return clock;
  }

  private lastBackfillScan = 0;

  /** Asks again for gaps still unfilled a while after their request: a reply can be lost, refused or cut short. */
  retryUnfilledBackfills(): void {
    const now = this.wallClock();
    if (now - this.lastBackfillScan < 1000) return;
    this.lastBackfillScan = now;
    for (const key of this.gappedStreams) {
      const stream = this.streams.get(key);
      if (!stream || stream.integrity.state.gaps.length === 0) {
        this.gappedStreams.delete(key);
        continue;
      }
      if (!EXCHANGES[stream.exchange].facts.limits.hasWebSocketHistory) continue;
      for (const gap of stream.integrity.state.gaps) {
        if (gap.requestedAt !== undefined && now - gap.requestedAt < BACKFILL_RETRY_MS) continue;
        this.requestBackfill(stream, gap);
        this.dirtyStreams.add(key);
      }
    }
  }

  private requestBackfill(stream: StreamEntry, gap: OpenGap): void {
    gap.requestedAt = this.wallClock();
    const request: BackfillRequest = {
      exchange: stream.exchange,
      symbol: stream.symbol,
      interval: stream.integrity.interval,
      start_time: gap.from,
      end_time: gap.to,
      reason: 'gap',
      requested_at: gap.requestedAt,
    };
    this.emit(TOPICS.backfillRequests, stream.exchange, request);
  }

  private emitGap(stream: StreamEntry, gap: GapRange, status: KlineGap['status'], backfillable: boolean): void {
    const event: KlineGap = {
      exchange: stream.exchange,
      symbol: stream.symbol,
      interval: stream.integrity.interval,
      from_open_time: gap.from,
      to_open_time: gap.to,
      missing_bars: gap.missing,
      status,
      detected_at: this.wallClock(),
      backfillable,
    };
    this.emit(TOPICS.klineGaps, klineKey(stream.exchange, stream.symbol, stream.integrity.interval), event);
  }

  private deadLetter(source: RawMessage | undefined, exchange: ExchangeId | null, reason: string, detail: string): void {
    this.counts.add(METRICS.deadLetters, [exchange ?? 'unknown', reason]);
    if (this.deadLetterChars >= DEAD_LETTER_BUDGET_CHARS) {
      this.unwrittenDeadLetters.set(reason, (this.unwrittenDeadLetters.get(reason) ?? 0) + 1);
      return;
    }
    const raw = source?.value ?? '';
    const truncated = raw.length > DEAD_LETTER_RAW_CHARS;
    const letter: DeadLetter = {
      service: SERVICE,
      exchange,
      reason,
      detail: truncated
        ? `${abbreviate(detail, 512)} (raw: first ${DEAD_LETTER_RAW_CHARS} of ${raw.length} chars)`
        : abbreviate(detail, 512),
      // A bar closed by the clock has no frame of its own.
      source_topic: source?.topic ?? (exchange === null ? '' : rawTopic(exchange)),
      source_partition: source?.partition ?? -1,
      source_offset: source?.offset ?? '',
      raw: truncated ? raw.slice(0, DEAD_LETTER_RAW_CHARS) : raw,
      failed_at: this.wallClock(),
    };
    this.deadLetterChars += this.emit(TOPICS.deadLetter, exchange ?? 'unknown', letter);
  }

  /** One letter for the rejects of this drain that were over the budget: counted in the metric, and visible here. */
  private summariseUnwrittenDeadLetters(): void {
    this.deadLetterChars = 0;
    if (this.unwrittenDeadLetters.size === 0) return;
    const reasons = [...this.unwrittenDeadLetters].map(([reason, n]) => `${reason} ×${n}`).join(', ');
    this.unwrittenDeadLetters.clear();
    const letter: DeadLetter = {
      service: SERVICE,
      exchange: null,
      reason: 'dead_letter_budget',
      detail: `rejects not written individually (over ${DEAD_LETTER_BUDGET_CHARS} chars of dead letters in one batch): ${reasons}`,
      source_topic: '',
      source_partition: -1,
      source_offset: '',
      raw: '',
      failed_at: this.wallClock(),
    };
    this.emit(TOPICS.deadLetter, 'unknown', letter);
  }

  /** Returns the length of the JSON queued. `order` goes in the record's `order` header. */
  private emit(topic: string, key: string, value: unknown, order?: string): number {
    let list = this.outputs.get(topic);
    if (!list) {
      list = [];
      this.outputs.set(topic, list);
    }
    const json = JSON.stringify(value);
    list.push(order === undefined ? { key, value: json } : { key, value: json, headers: { order } });
    return json.length;
  }
}

/**
 * Whether a restart must know of this outcome. A newer version of the bar that is already the newest
 * need not be snapshotted: resuming from an older version of it only lets that newer version through
 * again (downstream keeps the newest), whereas a close, a new bar, a gap or a sanity finding changes
 * what is owed, reported or compared.
 */
export function changesSavedState(outcome: KlineOutcome, newestOpenBefore: number | undefined): boolean {
  if (outcome.emitted === undefined || outcome.emitted.is_closed || outcome.emitted.open_time !== newestOpenBefore) return true;
  return (
    outcome.gapsOpened.length > 0 ||
    outcome.gapsFilled.length > 0 ||
    outcome.rejected !== undefined ||
    outcome.flags.length > 0 ||
    outcome.closedAccepted ||
    outcome.filledMissingBar ||
    outcome.verify !== undefined
  );
}

function backfillContext(headers: RawMessage['headers']): BackfillContext | undefined {
  const { backfill_symbol: symbol, backfill_interval: interval } = headers;
  if (!symbol || !isInterval(interval)) return undefined;
  return { symbol, interval };
}
