import type { ResolvedExchangeConfig } from '@klineflow/config';
import type { Logger } from '@klineflow/observability';
import { Backoff } from '@klineflow/reconnect';
import { StreamConnection, type CloseReason, type ConnectionEvents } from './connection.js';
import type { IngestMetrics } from './metrics.js';
import { outageOnExchangeClock } from './outage.js';
import type { ConnectionPlan } from './plan.js';
import type { ExchangeProtocol, RotationTrigger } from '@klineflow/exchange-modules';
import type { AttemptBudget } from './attempt-budget.js';

/** A connection healthy this long resets the reconnect backoff: one that flaps faster keeps backing off. */
const BACKOFF_RESET_MS = 10_000;
/** A replacement that delivers data but never acks or carries everything still takes over after this. */
const ROTATION_READY_TIMEOUT_MS = 10_000;
/** How often a rotation checks whether the replacement carries every active stream yet. */
const ROTATION_POLL_MS = 100;

export type FrameSink = (connId: string, key: string, text: string, recvTs: number) => void;

export interface SlotOptions {
  /** Stable name for health and metrics (`binance-s0-main-3-r0`). */
  readonly slotId: string;
  readonly plan: ConnectionPlan;
  readonly config: ResolvedExchangeConfig;
  readonly protocol: ExchangeProtocol;
  readonly sink: FrameSink;
  readonly metrics: IngestMetrics;
  readonly logger: Logger;
  /** After each outage (not the first connect), on the exchange's clock: from the last frame before it to data flowing again. */
  readonly onOutage?: (start: number, end: number) => void;
  /** The exchange's connection-attempt limit, shared by every slot of the exchange: reconnects wait their turn. */
  readonly attempts?: AttemptBudget;
  /** Whether another slot of the same shard (a hot standby) delivers: if none does, this slot reconnects first. */
  readonly twinDelivers?: () => boolean;
}

export interface SlotStatus {
  readonly slotId: string;
  readonly up: boolean;
  readonly lastFrameAt: number;
  /** Since when the slot has had no connection delivering data. */
  readonly downSince: number | undefined;
  readonly streams: number;
}

/**
 * One planned connection kept alive for the life of the process: reconnects with backoff
 * and resubscribes everything after a loss, and rotates make-before-break (age, server
 * shutdown, upgrade notice): the replacement subscribes and delivers data before the old
 * connection is closed, so data never stops.
 */
export class ConnectionSlot {
  private active: StreamConnection | undefined;
  private replacement: StreamConnection | undefined;
  private generation = 0;
  private readonly backoff: Backoff;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  private readyTimer: NodeJS.Timeout | undefined;
  private rotationPoll: NodeJS.Timeout | undefined;
  private stopped = false;
  private paused = false;
  /** Start of the current outage (loss of the connection), until data flows again. */
  private lostAt: number | undefined;
  private lostReason: string | undefined;
  /** The last data frame before the loss, whose exchange time opens the outage. */
  private lostText: string | undefined;
  /** Streams a recycle already failed to cure (e.g. an unknown symbol): later silence only resubscribes. */
  private readonly recycledFor = new Set<string>();
  private readonly url: string;

  constructor(private readonly options: SlotOptions) {
    const { config, protocol, plan } = options;
    this.url = protocol.connectUrl(plan.endpoint === 'url' ? config.url : config.apiUrl);
    this.backoff = new Backoff({ initialMs: config.reconnectDelayMs, maxMs: config.reconnectMaxDelayMs, resetAfterMs: BACKOFF_RESET_MS });
  }

  start(): void {
    this.lostAt = Date.now();
    this.lostReason = 'start';
    this.active = this.open();
  }

  stop(): void {
    this.stopped = true;
    this.options.attempts?.forget(this);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.ageTimer);
    this.stopRotationTimers();
    this.replacement?.close('shutdown');
    this.active?.close('shutdown');
  }

  pause(): void {
    this.paused = true;
    this.active?.pause();
    this.replacement?.pause();
  }

  resume(): void {
    this.paused = false;
    this.active?.resume();
    this.replacement?.resume();
  }

  /** Starts a make-before-break rotation unless one is already under way. */
  rotate(trigger: RotationTrigger): void {
    if (this.stopped || this.replacement || !this.active?.isOpen) return;
    this.options.logger.info('rotating connection', { slot: this.options.slotId, trigger });
    this.options.metrics.rotations.inc({ exchange: this.options.config.exchange, trigger });
    this.replacement = this.open();
  }

  status(now = Date.now()): SlotStatus {
    const active = this.active;
    const up = active !== undefined && active.isOpen && active.firstDataAt !== undefined;
    return {
      slotId: this.options.slotId,
      up,
      lastFrameAt: Math.max(active?.lastFrameAt ?? 0, this.replacement?.lastFrameAt ?? 0),
      downSince: up ? undefined : (this.lostAt ?? now),
      streams: this.options.plan.streams.length,
    };
  }

  private open(): StreamConnection {
    const { config, protocol, plan, metrics } = this.options;
    const connection = new StreamConnection({
      url: this.url,
      connId: `${this.options.slotId}-g${++this.generation}`,
      protocol,
      streams: plan.streams,
      staleAfterMs: config.staleAfterMs,
      livenessMs: config.livenessTimeoutMs,
      pingIntervalMs: config.pingIntervalMs,
      mayRecycleFor: (key) => !this.recycledFor.has(key),
      events: this.events,
    });
    connection.start();
    if (this.paused) connection.pause();
    metrics.connectionUp.set({ exchange: config.exchange, conn_id: this.options.slotId, endpoint: plan.endpoint }, 0);
    return connection;
  }

  private readonly events: ConnectionEvents = {
    onFrame: (connId, key, text, recvTs) => {
      this.options.metrics.countMessage();
      this.options.sink(connId, key, text, recvTs);
    },
    onFirstData: (connection) => {
      const now = Date.now();
      if (connection === this.replacement) {
        this.readyTimer = setTimeout(() => this.completeRotation(connection), ROTATION_READY_TIMEOUT_MS);
        this.rotationPoll = setInterval(() => this.completeRotationWhenCovered(connection), ROTATION_POLL_MS);
        return;
      }
      if (connection !== this.active) return;
      this.backoff.markHealthy(now);
      this.markUp();
      this.endOutage(now, connection);
      this.scheduleAgeRotation();
    },
    onReady: (connection) => this.completeRotationWhenCovered(connection),
    onClosed: (connection, reason, detail) => this.onClosed(connection, reason, detail),
    onRotationRequested: (connection, trigger) => {
      if (connection === this.active) this.rotate(trigger);
    },
    onControl: (kind, detail) => {
      this.options.metrics.countControl();
      if (kind === 'error') {
        this.options.metrics.error('subscribe_error');
        this.options.logger.warn('exchange rejected a request', { slot: this.options.slotId, detail });
      }
    },
    onStale: (connection, keys) => {
      this.options.metrics.staleStreams.inc({ exchange: this.options.config.exchange }, keys.length);
      this.options.logger.warn('silent streams resubscribed', {
        conn_id: connection.connId,
        streams: keys.slice(0, 20),
        count: keys.length,
      });
    },
    onDecodeError: (reason) => {
      this.options.metrics.error(reason);
    },
  };

  /**
   * An ack does not mean data: an exchange pushes a new subscriber a stream's first event only at
   * its next update, and a bar's final sent to the old connection meanwhile would be lost with it.
   */
  private completeRotationWhenCovered(replacement: StreamConnection): void {
    if (replacement !== this.replacement || !replacement.isReady) return;
    if (this.active && !replacement.carriesActiveStreamsOf(this.active)) return;
    this.completeRotation(replacement);
  }

  private completeRotation(replacement: StreamConnection): void {
    if (replacement !== this.replacement) return;
    this.stopRotationTimers();
    const old = this.active;
    this.active = replacement;
    this.replacement = undefined;
    old?.retire();
    this.backoff.markHealthy(Date.now());
    this.markUp();
    this.endOutage(Date.now(), replacement);
    this.scheduleAgeRotation();
    this.options.logger.info('rotation complete', { slot: this.options.slotId, conn_id: replacement.connId });
  }

  private onClosed(connection: StreamConnection, reason: CloseReason, detail: string): void {
    const { config, logger, metrics } = this.options;
    if (this.stopped || reason === 'rotation') return;
    if (reason === 'stale') for (const key of connection.silentStreams()) this.recycledFor.add(key);
    if (connection === this.replacement) {
      // The old connection still serves; a later trigger or the age timer tries again.
      this.replacement = undefined;
      this.stopRotationTimers();
      logger.warn('rotation replacement failed', { slot: this.options.slotId, reason, detail });
      return;
    }
    if (connection !== this.active) return;
    metrics.reconnects.inc({ exchange: config.exchange, reason });
    if (reason === 'error') metrics.error('connection');
    metrics.connectionUp.set({ exchange: config.exchange, conn_id: this.options.slotId, endpoint: this.options.plan.endpoint }, 0);
    clearTimeout(this.ageTimer);
    if (this.lostAt === undefined) {
      // Nothing arrived since the last frame: that, not the moment we noticed, opens the window.
      this.lostAt = connection.lastFrameAt > 0 ? Math.min(connection.lastFrameAt, Date.now()) : Date.now();
      this.lostReason = reason;
      this.lostText = connection.lastDataText;
    }
    if (this.replacement) {
      // A rotation was under way: its connection takes over as soon as it delivers.
      const successor = this.replacement;
      this.active = successor;
      this.replacement = undefined;
      this.stopRotationTimers();
      logger.warn('connection lost during rotation; replacement takes over', { slot: this.options.slotId, reason, detail });
      if (successor.firstDataAt !== undefined) {
        this.markUp();
        this.endOutage(Date.now(), successor);
        this.scheduleAgeRotation();
      }
      return;
    }
    this.active = undefined;
    const delay = this.backoff.nextDelay(Date.now());
    logger.warn('connection lost; reconnecting', {
      slot: this.options.slotId,
      conn_id: connection.connId,
      reason,
      detail,
      retry_in_ms: Math.round(delay),
    });
    this.reconnectTimer = setTimeout(() => this.reconnect(), delay);
  }

  private reconnect(): void {
    if (this.stopped) return;
    const starved = !(this.options.twinDelivers?.() ?? false);
    const wait = this.options.attempts?.take(Date.now(), this, starved) ?? 0;
    if (wait > 0) this.reconnectTimer = setTimeout(() => this.reconnect(), wait);
    else this.active = this.open();
  }

  private stopRotationTimers(): void {
    clearTimeout(this.readyTimer);
    clearInterval(this.rotationPoll);
  }

  private markUp(): void {
    const { config, plan, metrics } = this.options;
    metrics.connectionUp.set({ exchange: config.exchange, conn_id: this.options.slotId, endpoint: plan.endpoint }, 1);
  }

  private endOutage(now: number, resumed: StreamConnection): void {
    if (this.lostAt === undefined) return;
    const { config, logger, metrics } = this.options;
    const seconds = (now - this.lostAt) / 1000;
    if (this.lostReason !== 'start') {
      metrics.reconnectDuration.observe({ exchange: config.exchange }, seconds);
      metrics.outages.inc({ exchange: config.exchange });
      logger.warn('outage window', {
        slot: this.options.slotId,
        start: this.lostAt,
        end: now,
        duration_ms: now - this.lostAt,
        reason: this.lostReason,
        streams: this.options.plan.streams.length,
      });
      const window = outageOnExchangeClock(
        this.options.protocol.exchangeTimeOf,
        { at: this.lostAt, text: this.lostText },
        { at: now, text: resumed.firstDataText },
      );
      this.options.onOutage?.(window.start, window.end);
    }
    this.lostAt = undefined;
    this.lostReason = undefined;
    this.lostText = undefined;
  }

  private scheduleAgeRotation(): void {
    clearTimeout(this.ageTimer);
    if (!this.options.protocol.rotatesByAge) return;
    this.ageTimer = setTimeout(() => this.rotate('age'), this.options.config.rotateAfterMs);
  }
}
