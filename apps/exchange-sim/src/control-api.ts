import type { ExchangeState, SimState } from '@klineflow/sim-control';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EXCHANGE_IDS, isExchangeId, type ExchangeId } from '@klineflow/exchanges';
import type { Simulator } from './simulator.js';
import { listenOn } from './listen.js';

class BadRequest extends Error {}

/** HTTP control of the simulator for tests: fault injection, clock, state and the closed-bar record. */
export class ControlApi {
  private readonly http: Server;

  constructor(private readonly sim: Simulator) {
    this.http = createServer((req, res) => this.handle(req, res));
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.http, host, port);
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://control');
    const reply = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      const body = this.route(req.method ?? 'GET', url);
      if (body === undefined) reply(404, { error: `no route ${req.method} ${url.pathname}` });
      else reply(200, body);
    } catch (error) {
      if (error instanceof BadRequest) reply(400, { error: error.message });
      else reply(500, { error: String(error) });
    }
  }

  private route(method: string, url: URL): unknown {
    const { sim } = this;
    if (method === 'GET' && url.pathname === '/state') return this.state();
    if (method === 'GET' && url.pathname === '/closed-bars') return sim.ctx.recorders[exchangeOf(url)].bars();
    if (method === 'POST' && url.pathname === '/clock') {
      const speed = Number(url.searchParams.get('speed'));
      if (!(speed > 0)) throw new BadRequest('speed must be a number > 0');
      sim.ctx.clock.setSpeed(speed);
      return { speed, virtualNow: sim.ctx.clock.now() };
    }
    if (method !== 'POST' || !url.pathname.startsWith('/faults/')) return undefined;
    const exchange = exchangeOf(url);
    const { streams, all } = sim.exchanges[exchange];
    const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
    switch (url.pathname.slice('/faults/'.length)) {
      case 'drop': {
        // limit=N: only N connections that carry klines (one of a hot-standby pair, say).
        const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : undefined;
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new BadRequest('limit must be a positive integer');
        let left = limit;
        const dropped = all.map((e) => {
          const n = e.drop(left);
          if (left !== undefined) left -= n;
          return n;
        });
        return { exchange, connections: sum(dropped) };
      }
      case 'stall':
        return { exchange, connections: streams.stall(msOf(url)) };
      case 'blackout': {
        const ms = msOf(url);
        return { exchange, connections: sum(all.map((e) => e.blackout(ms))) };
      }
      case 'malformed':
        return { exchange, connections: streams.malformed() };
      case 'impossible-candle':
        if (!streams.impossibleCandle()) throw new BadRequest(`no ${exchange} connection has a kline subscription`);
        return { exchange, streams: 1 };
      case 'hostile': {
        const rounds = url.searchParams.has('rounds') ? Number(url.searchParams.get('rounds')) : 1;
        if (!(Number.isInteger(rounds) && rounds > 0 && rounds <= 100)) throw new BadRequest('rounds must be an integer from 1 to 100');
        return { exchange, ...streams.hostile(rounds) };
      }
      case 'duplicate':
        return { exchange, connections: streams.duplicate() };
      case 'shutdown-notice': {
        const connections = streams.shutdownNotice();
        if (connections < 0) throw new BadRequest(`${exchange} has no shutdown notice`);
        return { exchange, connections };
      }
      default:
        return undefined;
    }
  }

  private state(): SimState {
    const { sim } = this;
    const exchanges = Object.fromEntries(
      EXCHANGE_IDS.map((exchange) => {
        const { streams, all } = sim.exchanges[exchange];
        return [
          exchange,
          {
            connections: all.reduce((n, e) => n + e.connections.size, 0),
            streams: streams.subscriptionCount(),
            messagesSent: all.reduce((n, e) => n + e.messagesSent, 0),
          },
        ];
      }),
    ) as Record<ExchangeId, ExchangeState>;
    return { virtualNow: sim.ctx.clock.now(), speed: sim.ctx.clock.speed, exchanges };
  }
}

function exchangeOf(url: URL): ExchangeId {
  const exchange = url.searchParams.get('exchange');
  if (!isExchangeId(exchange)) throw new BadRequest(`exchange must be one of ${EXCHANGE_IDS.join(', ')}`);
  return exchange;
}

function msOf(url: URL): number {
  const ms = Number(url.searchParams.get('ms'));
  if (!Number.isInteger(ms) || ms <= 0) throw new BadRequest('ms must be a positive integer');
  return ms;
}
