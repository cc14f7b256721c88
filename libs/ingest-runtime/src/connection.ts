import WebSocket from 'ws';
import {
  FrameDecodeError,
  type ConnectionFrames,
  type ExchangeProtocol,
  type RotationTrigger,
  type StreamSpec,
} from '@klineflow/exchange-modules';
import { OutboundQueue, SlidingWindowPacer } from './pacer.js';
import { staleThresholdMs } from './plan.js';

/** How long a retiring connection may take to finish the close handshake. */
const RETIRE_TIMEOUT_MS = 2_000;
/** A stream that delivered within this window is active: a rotation waits for it on the replacement. */
const ACTIVE_STREAM_WINDOW_MS = 5_000;
/** TCP + TLS + upgrade to a distant exchange, on a busy host: far longer than the liveness deadline. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Watchdog period: fine enough to act on a 1.5 s liveness deadline within a few percent of it. */
const MAX_TICK_MS = 100;
/** Stream staleness is judged in seconds: scanning every stream of a connection each tick would be waste. */
const MAX_STALENESS_CHECK_MS = 1_000;
/** A tick this much later than due means our event loop stalled: that silence is ours, not the exchange's. */
const LATE_TICK_MS = 500;

export type CloseReason = 'server_close' | 'error' | 'liveness' | 'stale' | 'rotation' | 'shutdown' | 'connect_timeout';

/** Callbacks of one socket lifetime. Kept as plain functions: `onFrame` runs for every data frame. */
export interface ConnectionEvents {
  onFrame(connId: string, key: string, text: string, recvTs: number): void;
  onFirstData(connection: StreamConnection): void;
  /** Every subscribe request answered and data flowing: safe to retire the connection it replaces. */
  onReady(connection: StreamConnection): void;
  onClosed(connection: StreamConnection, reason: CloseReason, detail: string): void;
  onRotationRequested(connection: StreamConnection, trigger: RotationTrigger): void;
  onControl(kind: 'ack' | 'error' | 'unknown', detail?: string): void;
  onStale(connection: StreamConnection, keys: readonly string[]): void;
  onDecodeError(reason: FrameDecodeError['reason']): void;
}

export interface ConnectionOptions {
  readonly url: string;
  /** Header `conn_id` of every frame: slot id plus generation, so a rotation's overlap is visible. */
  readonly connId: string;
  readonly protocol: ExchangeProtocol;
  readonly streams: readonly StreamSpec[];
  readonly staleAfterMs: number;
  /**
   * A connection that sends nothing at all for this long (no data, no keepalive, no answer to our
   * probe) is dead. Silent for half of it, it is probed; the probe unanswered for the other half ends it.
   */
  readonly livenessMs: number;
  readonly pingIntervalMs: number;
  /** False once a recycle did not cure a silent stream: later silence only resubscribes. */
  readonly mayRecycleFor: (key: string) => boolean;
  readonly events: ConnectionEvents;
  readonly now?: () => number;
}

interface StreamTrack {
  readonly spec: StreamSpec;
  readonly thresholdMs: number;
  subscribedAt: number;
  ackedAt: number | undefined;
  lastDataAt: number | undefined;
  /** Set when the watchdog resubscribed it; cleared by the next data frame. */
  resubscribedAt: number | undefined;
  /** The exchange refused it (bad stream name): no point watching it. */
  rejected: boolean;
}

/**
 * One WebSocket lifetime: open, subscribe everything (paced), keep alive, watch liveness
 * and per-stream staleness, and hand every data frame over untouched (or as the protocol's
 * `connectionFrames` rewrites it). Reconnecting and
 * rotation belong to the ConnectionSlot that owns it.
 */
export class StreamConnection {
  private ws: WebSocket | undefined;
  private readonly tracks = new Map<string, StreamTrack>();
  private readonly pendingAcks = new Map<string, readonly string[]>();
  /** The exchange's per-connection frame state (Bybit's local books): a new connection starts without any. */
  private readonly frames: ConnectionFrames | undefined;
  private readonly outbound: OutboundQueue;
  private readonly now: () => number;
  private requestId = 0;
  private sendTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  private retiring = false;
  private paused = false;
  /** Silence while we were not reading the socket is ours, not the exchange's. */
  private resumedAt = 0;
  private lastPingAt = 0;
  private lastSentAt = 0;
  private lastCheckAt = 0;
  private tickMs = MAX_TICK_MS;
  private stalenessEveryMs = MAX_STALENESS_CHECK_MS;
  private lastStalenessCheckAt = 0;
  /** The outstanding liveness probe: waiting for its turn in the pacer, or sent at a time; any frame after it answers it. */
  private probe: 'queued' | number | undefined;
  openedAt: number | undefined;
  lastFrameAt = 0;
  firstDataAt: number | undefined;
  /** The first and the latest data frame: an outage's ends are read from them. */
  firstDataText: string | undefined;
  lastDataText: string | undefined;
  private ready = false;

  constructor(private readonly options: ConnectionOptions) {
    this.now = options.now ?? Date.now;
    const { protocol } = options;
    this.frames = protocol.connectionFrames?.();
    const perSecond = new SlidingWindowPacer(protocol.maxMessagesPerSecond, 1000);
    const hourly = protocol.maxSubscribeRequestsPerHour
      ? new SlidingWindowPacer(protocol.maxSubscribeRequestsPerHour, 3_600_000)
      : undefined;
    this.outbound = new OutboundQueue(perSecond, hourly);
    for (const spec of options.streams) {
      this.tracks.set(spec.key, {
        spec,
        thresholdMs: staleThresholdMs(spec, options.staleAfterMs),
        subscribedAt: 0,
        ackedAt: undefined,
        lastDataAt: undefined,
        resubscribedAt: undefined,
        rejected: false,
      });
    }
  }

  get connId(): string {
    return this.options.connId;
  }

  get streamCount(): number {
    return this.tracks.size;
  }

  /** Every subscribe request answered and data flowing. */
  get isReady(): boolean {
    return this.ready;
  }

  get isOpen(): boolean {
    return this.openedAt !== undefined && !this.closed;
  }

  start(): void {
    const started = this.now();
    this.lastFrameAt = started;
    const ws = new WebSocket(this.options.url, { handshakeTimeout: CONNECT_TIMEOUT_MS, perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => this.onOpen());
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    // Binance pings every 20 s; ws answers with a pong carrying the same payload (autoPong).
    ws.on('ping', () => {
      this.lastFrameAt = this.now();
    });
    ws.on('pong', () => {
      this.lastFrameAt = this.now();
    });
    ws.on('error', (error) => this.finish(this.retiring ? 'rotation' : 'error', error.message));
    ws.on('close', (code, reason) =>
      this.finish(this.retiring ? 'rotation' : 'server_close', `code ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`),
    );
    const pingMs = this.options.protocol.clientPing === undefined ? Infinity : this.options.pingIntervalMs;
    this.tickMs = Math.max(20, Math.min(MAX_TICK_MS, Math.min(this.options.livenessMs, this.options.staleAfterMs, pingMs) / 8));
    this.stalenessEveryMs = Math.max(this.tickMs, Math.min(MAX_STALENESS_CHECK_MS, this.options.staleAfterMs / 4));
    this.lastCheckAt = started;
    this.watchdog = setInterval(() => this.check(), this.tickMs);
  }

  /** Stops reading the socket (producer backpressure); TCP flow control pushes back to the exchange. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.ws?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumedAt = this.now();
    this.ws?.resume();
  }

  close(reason: CloseReason, detail = ''): void {
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    this.finish(reason, detail);
  }

  /**
   * Closes gracefully after a rotation: every frame the exchange sent before it saw our close
   * frame (a bar's final, say) is still delivered. A server that never answers is cut off.
   */
  retire(): void {
    if (this.closed || this.retiring) return;
    this.retiring = true;
    clearInterval(this.watchdog);
    clearTimeout(this.sendTimer);
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.close('rotation');
      return;
    }
    this.ws.close(1000, 'rotation');
    setTimeout(() => this.close('rotation', 'no close handshake'), RETIRE_TIMEOUT_MS).unref();
  }

  /**
   * True once this connection has delivered every stream that `predecessor` delivered in the last
   * few seconds: from then on, nothing the predecessor would still carry is missing here.
   * Quiet streams are not waited for; they have nothing in flight.
   */
  carriesActiveStreamsOf(predecessor: StreamConnection, now = this.now()): boolean {
    for (const [key, track] of this.tracks) {
      if (track.rejected || track.lastDataAt !== undefined) continue;
      const previous = predecessor.tracks.get(key)?.lastDataAt;
      if (previous !== undefined && now - previous <= ACTIVE_STREAM_WINDOW_MS) return false;
    }
    return true;
  }

  private onOpen(): void {
    const now = this.now();
    this.openedAt = now;
    this.lastFrameAt = now;
    this.lastSentAt = now;
    this.subscribe([...this.tracks.keys()], now);
  }

  private subscribe(keys: readonly string[], now: number): void {
    for (const request of this.options.protocol.subscribeRequests(keys, () => ++this.requestId)) {
      if (request.id !== undefined) this.pendingAcks.set(request.id, request.keys);
      for (const key of request.keys) {
        const track = this.tracks.get(key);
        if (track) track.subscribedAt = now;
      }
      this.outbound.push({ text: request.text, subscribe: true });
    }
    this.flushOutbound();
  }

  private flushOutbound(): void {
    if (this.sendTimer || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const now = this.now();
    const { ready, nextInMs } = this.outbound.take(now);
    for (const message of ready) {
      if (message.text !== undefined) this.ws.send(message.text);
      else this.ws.ping();
      if (message.probe) this.probe = now;
    }
    if (ready.length > 0) this.lastSentAt = now;
    if (nextInMs !== undefined) {
      this.sendTimer = setTimeout(() => {
        this.sendTimer = undefined;
        this.flushOutbound();
      }, nextInMs);
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const recvTs = this.now();
    this.lastFrameAt = recvTs;
    let text: string;
    try {
      text = this.options.protocol.decode(data, isBinary);
    } catch (error) {
      this.options.events.onDecodeError(error instanceof FrameDecodeError ? error.reason : 'corrupt_frame');
      return;
    }
    const frame = this.options.protocol.classify(text);
    switch (frame.kind) {
      case 'data': {
        const track = this.tracks.get(frame.key);
        if (!track) {
          // Named a stream this connection never subscribed (a mangled symbol, say). Keyed like unrecognised
          // text, the normalizer dead-letters it; it never becomes a stream of its own, nor dates an outage.
          this.options.events.onFrame(this.options.connId, this.options.connId, text, recvTs);
          return;
        }
        const published = this.frames ? this.frames.publishable(frame.key, text) : text;
        // Nothing to publish (a book out of step): the stream counts as silent until it is again.
        if (published === undefined) return;
        track.lastDataAt = recvTs;
        track.resubscribedAt = undefined;
        this.lastDataText = published;
        this.options.events.onFrame(this.options.connId, frame.key, published, recvTs);
        if (this.firstDataAt === undefined) {
          this.firstDataAt = recvTs;
          this.firstDataText = published;
          this.options.events.onFirstData(this);
          this.checkReady();
        }
        return;
      }
      case 'ping':
        // Keepalive replies jump the queue: an unanswered ping closes the connection.
        this.outbound.pushFront({ text: frame.reply, subscribe: false });
        this.flushOutbound();
        return;
      case 'pong':
        return;
      case 'ack':
        this.markAcked(frame.id, frame.keys, recvTs);
        this.options.events.onControl('ack');
        this.checkReady();
        return;
      case 'error':
        for (const key of this.keysOf(frame.id, frame.keys)) {
          const track = this.tracks.get(key);
          if (track) track.rejected = true;
        }
        this.options.events.onControl('error', frame.detail);
        this.checkReady();
        return;
      case 'rotate':
        this.options.events.onRotationRequested(this, frame.trigger);
        return;
      case 'response':
        this.options.events.onControl('unknown', text.slice(0, 200));
        return;
      case 'unknown':
        // Unrecognised text is still part of the replay log: the normalizer dead-letters it with a reason.
        this.options.events.onFrame(this.options.connId, this.options.connId, text, recvTs);
        return;
    }
  }

  /** Streams the watchdog resubscribed that have delivered nothing since. */
  silentStreams(): string[] {
    return [...this.tracks.values()].filter((t) => t.resubscribedAt !== undefined).map((t) => t.spec.key);
  }

  private checkReady(): void {
    if (this.ready || this.closed || this.firstDataAt === undefined || this.outbound.length > 0) return;
    for (const track of this.tracks.values()) if (track.ackedAt === undefined && track.lastDataAt === undefined && !track.rejected) return;
    this.ready = true;
    this.options.events.onReady(this);
  }

  private keysOf(id: string | undefined, keys: readonly string[] | undefined): readonly string[] {
    const pending = id === undefined ? undefined : this.pendingAcks.get(id);
    if (id !== undefined) this.pendingAcks.delete(id);
    return keys ?? pending ?? [];
  }

  private markAcked(id: string | undefined, keys: readonly string[] | undefined, at: number): void {
    for (const key of this.keysOf(id, keys)) {
      const track = this.tracks.get(key);
      if (track) track.ackedAt = at;
    }
  }

  private check(): void {
    const now = this.now();
    if (now - this.lastCheckAt > this.tickMs + LATE_TICK_MS) this.resumedAt = now;
    this.lastCheckAt = now;
    if (this.closed || this.paused || this.openedAt === undefined) {
      if (!this.closed && this.openedAt === undefined && now - this.lastFrameAt > CONNECT_TIMEOUT_MS) this.close('connect_timeout');
      return;
    }
    if (!this.checkLiveness(now)) return;
    // "Idle" is read both ways (OKX: nothing pushed, or nothing sent by the client, for 30 s ends the
    // connection): ping when either direction has been quiet for the interval, even while data pours in.
    const ping = this.options.protocol.clientPing;
    const quietSince = Math.max(Math.min(this.lastFrameAt, this.lastSentAt), this.lastPingAt);
    if (ping !== undefined && now - quietSince >= this.options.pingIntervalMs) {
      this.lastPingAt = now;
      this.outbound.pushFront({ text: ping, subscribe: false });
      this.flushOutbound();
    }
    if (now - this.lastStalenessCheckAt >= this.stalenessEveryMs) {
      this.lastStalenessCheckAt = now;
      this.checkStaleness(now);
    }
  }

  /**
   * Active liveness: a quiet connection is asked (a WebSocket ping, or the exchange's own text ping)
   * rather than trusted until a long data-silence deadline. False when the connection was closed.
   */
  private checkLiveness(now: number): boolean {
    const half = this.options.livenessMs / 2;
    if (typeof this.probe === 'number' && this.lastFrameAt >= this.probe) this.probe = undefined;
    if (this.probe === undefined) {
      if (now - Math.max(this.lastFrameAt, this.resumedAt) >= half) {
        this.probe = 'queued';
        this.outbound.pushFront({ text: this.options.protocol.clientPing, subscribe: false, probe: true });
        this.flushOutbound();
      }
      return true;
    }
    if (this.probe === 'queued' || now - Math.max(this.probe, this.resumedAt) < half) return true;
    this.close('liveness', `no frame for ${now - this.lastFrameAt} ms, probe unanswered for ${now - this.probe} ms`);
    return false;
  }

  private checkStaleness(now: number): void {
    const resubscribe: string[] = [];
    for (const [key, track] of this.tracks) {
      if (track.rejected || track.subscribedAt === 0) continue;
      const since = Math.max(track.lastDataAt ?? 0, track.ackedAt ?? track.subscribedAt, this.resumedAt);
      if (now - since <= track.thresholdMs) continue;
      if (track.resubscribedAt === undefined) {
        track.resubscribedAt = now;
        resubscribe.push(key);
      } else if (now - track.resubscribedAt > track.thresholdMs) {
        if (this.options.mayRecycleFor(key)) {
          this.close('stale', `stream ${key} silent after a resubscribe`);
          return;
        }
        // A recycle did not cure it either (e.g. an unknown symbol): keep asking, never stop the others.
        track.resubscribedAt = now;
        resubscribe.push(key);
      }
    }
    if (resubscribe.length > 0) {
      this.options.events.onStale(this, resubscribe);
      this.subscribe(resubscribe, now);
    }
  }

  private finish(reason: CloseReason, detail: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    clearTimeout(this.sendTimer);
    if (this.ws && this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    this.options.events.onClosed(this, reason, detail);
  }
}
