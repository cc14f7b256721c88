import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { parseSymbol, SymbolFormatError, type ExchangeId } from '@klineflow/exchanges';
import { SimConnection } from './connection.js';
import type { SimContext } from './context.js';
import type { LiveMarket } from './subscription.js';
import { listenOn } from './listen.js';

/** A truncated kline event: what a torn or corrupted frame looks like to a client. */
const MALFORMED_FRAME = '{"e":"kline","E":1672515782136,"k":{"t":';

/**
 * One listening port speaking one exchange protocol: connection registry, blackout refusal,
 * keepalive and the faults the control API injects.
 */
export abstract class Endpoint<S> {
  readonly connections = new Set<SimConnection<S>>();
  messagesSent = 0;
  private refuseUntil = 0;
  private readonly http: Server;
  /** Pongs are ours to send: a stalled connection answers nothing, as a dead path would not. */
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });

  constructor(
    readonly exchange: ExchangeId,
    protected readonly ctx: SimContext,
  ) {
    this.http = createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only'));
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  /** Validates the request path; returns the new connection's protocol state, or an HTTP status to refuse with. */
  protected abstract accept(url: URL): S | number;
  protected abstract onOpen(conn: SimConnection<S>): void;
  protected abstract onMessage(conn: SimConnection<S>, data: RawData, isBinary: boolean): void;
  protected abstract encode(text: string): string | Buffer;
  /** Keepalive and limit checks, once per tick. */
  protected abstract keepalive(conn: SimConnection<S>, realNow: number): void;

  /** One step of the simulator loop. */
  tick(_now: number, realNow: number): void {
    for (const conn of this.connections) if (conn.open && !conn.stalled(realNow)) this.keepalive(conn, realNow);
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.http, host, port);
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.ws.terminate();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${status} ${status === 503 ? 'Service Unavailable' : 'Not Found'}\r\nConnection: close\r\n\r\n`);
    };
    if (Date.now() < this.refuseUntil) return refuse(503);
    const state = this.accept(new URL(req.url ?? '/', 'http://sim'));
    if (typeof state === 'number') return refuse(state);
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const conn = new SimConnection(
        ws,
        state,
        (text) => this.encode(text),
        () => this.messagesSent++,
      );
      this.connections.add(conn);
      ws.on('close', () => this.connections.delete(conn));
      ws.on('error', () => ws.terminate());
      ws.on('ping', (payload) => {
        if (!conn.stalled()) ws.pong(payload);
      });
      ws.on('message', (data, isBinary) => {
        conn.lastClientMessageAt = Date.now();
        this.onMessage(conn, data, isBinary);
      });
      this.onOpen(conn);
    });
  }

  /** The market behind a symbol in any native spelling; undefined for unknown or unparseable symbols. */
  protected liveMarket(native: string): LiveMarket | undefined {
    try {
      const symbol = parseSymbol(native);
      if (this.ctx.options.unknownSymbols.has(symbol.canonical)) return undefined;
      return { symbol, native, profile: this.ctx.market.profile(this.exchange, symbol.canonical, symbol.base) };
    } catch (error) {
      if (error instanceof SymbolFormatError) return undefined;
      throw error;
    }
  }

  // ---- faults -------------------------------------------------------------------------------

  /** Terminates the open connections, or only the first `limit` of them that carry a kline subscription. */
  drop(limit?: number): number {
    let targets = [...this.connections].filter((conn) => conn.open);
    if (limit !== undefined)
      targets = targets.filter((conn) => [...conn.subscriptions.values()].some((s) => s.channel === 'kline')).slice(0, limit);
    for (const conn of targets) conn.ws.terminate();
    return targets.length;
  }

  stall(ms: number): number {
    const until = Date.now() + ms;
    for (const conn of this.connections) conn.stalledUntil = until;
    return this.connections.size;
  }

  blackout(ms: number): number {
    this.refuseUntil = Date.now() + ms;
    return this.drop();
  }

  /** Sends one frame that is not valid JSON to every connection. */
  malformed(): number {
    for (const conn of this.connections) conn.send(MALFORMED_FRAME);
    return this.connections.size;
  }

  duplicate(): number {
    let count = 0;
    for (const conn of this.connections) {
      if (conn.lastDataFrame === undefined) continue;
      conn.send(conn.lastDataFrame);
      count++;
    }
    return count;
  }

  /** Announces a planned close (where the protocol has a notice), then closes after the grace period. */
  shutdownNotice(): number {
    if (!this.hasShutdownNotice) return -1;
    const targets = [...this.connections];
    for (const conn of targets) conn.send(this.shutdownNoticeFrame(conn));
    setTimeout(() => {
      for (const conn of targets) conn.ws.close(1001, 'server shutdown');
    }, this.ctx.options.shutdownGraceMs).unref();
    return targets.length;
  }

  protected readonly hasShutdownNotice: boolean = false;

  protected shutdownNoticeFrame(_conn: SimConnection<S>): string {
    throw new Error(`${this.exchange} has no shutdown notice`);
  }
}
