import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

export interface ServerConnection {
  readonly ws: WebSocket;
  readonly id: number;
  readonly subscriptions: Set<string>;
  /** Every SUBSCRIBE params list received, in order. */
  readonly subscribeRequests: string[][];
  readonly openedAt: number;
  firstSentAt: number | undefined;
  closedAt: number | undefined;
  /** While frozen the server sends nothing at all on this connection, not even pongs (a half-dead TCP path). */
  frozen: boolean;
  /** While muted the server still answers pings but pushes no data (a stalled feed behind a live socket). */
  muted: boolean;
}

/**
 * A small in-test Binance combined-stream server: acks SUBSCRIBE, and every `tickMs` sends
 * each subscribed stream an event carrying the tick number, shared by all connections, the
 * way an exchange fans one event out to every subscriber.
 */
export class MiniBinance {
  readonly connections: ServerConnection[] = [];
  /** Symbols that are acknowledged but never deliver (Binance's unknown symbols). */
  readonly silentSymbols = new Set<string>();
  /**
   * The n-th stream of a request starts receiving n × this after the ack, as on exchanges where
   * each stream's first push trails the ack until its next update.
   */
  firstPushDelayMs = 0;
  /** The exchange's clock, stamped as `E` on every event (a test may run it faster than real time). */
  eventClock: () => number = Date.now;
  /** Ticks so far: every event carries it, so an event lost by the client shows as a gap even if no one else received it. */
  private ticks = 0;
  private readonly wss: WebSocketServer;
  private readonly timer: NodeJS.Timeout;

  private constructor(wss: WebSocketServer, tickMs: number) {
    this.wss = wss;
    wss.on('connection', (ws) => {
      const conn: ServerConnection = {
        ws,
        id: this.connections.length,
        subscriptions: new Set(),
        subscribeRequests: [],
        openedAt: Date.now(),
        firstSentAt: undefined,
        closedAt: undefined,
        frozen: false,
        muted: false,
      };
      ws.on('ping', (payload) => {
        if (!conn.frozen) ws.pong(payload);
      });
      this.connections.push(conn);
      ws.on('message', (data) => {
        const request = JSON.parse(data.toString()) as { method: string; params: string[]; id: number };
        if (request.method !== 'SUBSCRIBE') return;
        conn.subscribeRequests.push(request.params);
        request.params.forEach((stream, n) => {
          if (this.firstPushDelayMs > 0) setTimeout(() => conn.subscriptions.add(stream), n * this.firstPushDelayMs);
          else conn.subscriptions.add(stream);
        });
        if (!conn.frozen) ws.send(JSON.stringify({ result: null, id: request.id }));
      });
      ws.on('close', () => {
        conn.closedAt = Date.now();
      });
    });
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  static async start(tickMs = 20): Promise<MiniBinance> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: false });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new MiniBinance(wss, tickMs);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  get open(): ServerConnection[] {
    return this.connections.filter((c) => c.closedAt === undefined);
  }

  send(conn: ServerConnection, text: string): void {
    conn.ws.send(text);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private tick(): void {
    const seq = ++this.ticks;
    const streams = new Set(this.open.flatMap((c) => [...c.subscriptions]));
    for (const stream of streams) {
      if (this.silentSymbols.has(stream.slice(0, stream.indexOf('@')))) continue;
      const frame = `{"stream":"${stream}","data":{"e":"kline","E":${this.eventClock()},"seq":${seq}}}`;
      for (const conn of this.open) {
        if (conn.frozen || conn.muted || !conn.subscriptions.has(stream)) continue;
        conn.firstSentAt ??= Date.now();
        conn.ws.send(frame);
      }
    }
  }
}

/** One minute in ms: a 1m bar. */
export const MIN = 60_000;

export interface KlinesRequest {
  id: string;
  params: { symbol: string; interval: string; startTime: number; endTime: number; limit: number };
}

/**
 * WS-API stand-in: answers klines with one row per bar, `replyDelayMs` after the request;
 * optionally a 429 (at once) to the very first request.
 */
export async function startWsApi(options: { rateLimitFirst?: boolean; dropFirst?: boolean; replyDelayMs?: number }) {
  const requests: KlinesRequest[] = [];
  const arrivals: number[] = [];
  const paths: string[] = [];
  const load = { outstanding: 0, maxOutstanding: 0, retryAfter: 0 };
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws, upgrade) =>
    ws.on('message', (data) => {
      paths.push(upgrade.url ?? '');
      const request = JSON.parse(data.toString()) as KlinesRequest;
      requests.push(request);
      arrivals.push(Date.now());
      if (options.dropFirst && requests.length === 1) {
        ws.terminate();
        return;
      }
      if (options.rateLimitFirst && requests.length === 1) {
        load.retryAfter = Date.now() + 150;
        ws.send(
          JSON.stringify({
            id: request.id,
            status: 429,
            error: { code: -1003, msg: 'Too much request weight used', data: { retryAfter: load.retryAfter } },
          }),
        );
        return;
      }
      const { startTime, endTime, limit } = request.params;
      const rows: string[] = [];
      for (let t = startTime; t <= endTime && rows.length < limit; t += MIN)
        rows.push(`[${t},"1.0","2.0","0.5","1.5","10.00",${t + MIN - 1},"15.0",3,"5","7.5","0"]`);
      load.maxOutstanding = Math.max(load.maxOutstanding, ++load.outstanding);
      setTimeout(() => {
        load.outstanding--;
        ws.send(`{"id":"${request.id}","status":200,"result":[${rows.join(',')}],"rateLimits":[]}`);
      }, options.replyDelayMs ?? 0);
    }),
  );
  return {
    requests,
    arrivals,
    load,
    paths,
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws-api/v3`,
    stop: () => new Promise<void>((r) => wss.close(() => r())),
  };
}
