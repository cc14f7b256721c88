import type { RawData } from 'ws';
import { INTERVAL_MS } from '@klineflow/exchanges';
import {
  binanceFacts,
  fromNativeInterval,
  type BinanceCombinedEvent,
  type BinanceServerShutdown,
  type BinanceStreamReply,
} from '@klineflow/exchange-modules';
import type { SimConnection } from '../connection.js';
import type { Bar } from '../market/generator.js';
import { timeframe } from '../market/timeframe.js';
import { Sequences } from '../sequences.js';
import { StreamServer } from '../stream-server.js';
import type { LiveMarket, Subscription } from '../subscription.js';
import { objectText, quoted } from '../wire-text.js';
import { depthSnapshot, klineEvent, tickerEvent, tradeEvent } from './payloads.js';
import { binanceHostileShape } from './hostile.js';

interface BinanceState {
  /** `/stream` connections wrap every event as {"stream","data"}; `/ws` ones send it bare. */
  readonly combined: boolean;
  readonly initialStreams: readonly string[];
  /** Arrival times of the client's recent messages, pings and pongs included. */
  readonly recentMessages: number[];
  lastPingAt: number;
  awaitingPongSince?: number;
}

const STREAM = /^([a-z0-9]+)@(?:kline_([0-9a-zA-Z]+)|(ticker)|(depth20@100ms)|(trade))$/;
const LIMITS = binanceFacts.limits;
const DEPTH_LEVELS = 20;

type Request = { method?: unknown; params?: unknown; id?: unknown };

/** Binance spot market streams: /ws, /ws/<stream>, /stream?streams=a/b. */
export class BinanceStreamServer extends StreamServer<BinanceState> {
  protected readonly hostileShape = binanceHostileShape;
  protected override readonly hasShutdownNotice = true;
  private readonly sequences = new Sequences();

  protected accept(url: URL): BinanceState | number {
    const state = (combined: boolean, streams: string[]): BinanceState => ({
      combined,
      initialStreams: streams,
      recentMessages: [],
      lastPingAt: Date.now(),
    });
    if (url.pathname === '/stream') return state(true, (url.searchParams.get('streams') ?? '').split('/').filter(Boolean));
    if (url.pathname === '/ws' || url.pathname === '/ws/') return state(false, []);
    if (url.pathname.startsWith('/ws/')) return state(false, url.pathname.slice(4).split('/').filter(Boolean));
    return 404;
  }

  protected encode(text: string): string {
    return text;
  }

  protected onOpen(conn: SimConnection<BinanceState>): void {
    conn.ws.on('pong', () => {
      conn.state.awaitingPongSince = undefined;
      this.countClientMessage(conn);
    });
    conn.ws.on('ping', () => this.countClientMessage(conn));
    const streams = conn.state.initialStreams;
    if (streams.length > LIMITS.maxStreamsPerConnection || !streams.every((s) => STREAM.test(s) && this.parse(s))) {
      conn.ws.close(1008, 'Invalid request: invalid stream');
      return;
    }
    for (const name of streams) this.addSubscription(conn, this.parse(name)!);
  }

  protected onMessage(conn: SimConnection<BinanceState>, data: RawData): void {
    if (!this.countClientMessage(conn)) return;
    let request: Request;
    try {
      request = JSON.parse(data.toString()) as Request;
    } catch {
      conn.send(
        JSON.stringify({
          error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' },
          id: null,
        } satisfies BinanceStreamReply),
      );
      return;
    }
    const id = request.id ?? null;
    const reply = (body: Omit<BinanceStreamReply, 'id'>) => conn.send(JSON.stringify({ ...body, id } satisfies BinanceStreamReply));
    const invalid = (msg: string) => reply({ error: { code: 2, msg } });
    switch (request.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const params = Array.isArray(request.params) ? request.params : undefined;
        const subs = params?.map((p) => (typeof p === 'string' ? this.parse(p) : undefined));
        if (!subs || subs.length === 0 || subs.some((s) => s === undefined)) return invalid('Invalid request: invalid stream');
        if (request.method === 'UNSUBSCRIBE') {
          for (const sub of subs) conn.subscriptions.delete(sub!.key);
          return reply({ result: null });
        }
        const added = new Set(subs.map((s) => s!.key).filter((key) => !conn.subscriptions.has(key)));
        if (conn.subscriptions.size + added.size > LIMITS.maxStreamsPerConnection) {
          invalid(`Invalid request: too many streams (at most ${LIMITS.maxStreamsPerConnection} per connection)`);
          conn.ws.close(1008, 'Too many streams');
          return;
        }
        for (const sub of subs) if (!conn.subscriptions.has(sub!.key)) this.addSubscription(conn, sub!);
        return reply({ result: null });
      }
      case 'LIST_SUBSCRIPTIONS':
        return reply({ result: [...conn.subscriptions.keys()] });
      default:
        return invalid('Invalid request: unknown method');
    }
  }

  /** Binance counts every incoming frame, pings and pongs included: over 5 a second closes the connection. */
  private countClientMessage(conn: SimConnection<BinanceState>): boolean {
    const now = Date.now();
    const recent = conn.state.recentMessages;
    recent.push(now);
    while (recent.length > 0 && recent[0]! <= now - 1000) recent.shift();
    if (recent.length <= LIMITS.maxClientMessagesPerSecond) return true;
    conn.ws.close(1008, 'Too many messages');
    return false;
  }

  /** A valid stream name becomes a subscription (silent for unknown symbols); anything else is undefined. */
  private parse(name: string): Subscription | undefined {
    const match = STREAM.exec(name);
    if (!match) return undefined;
    const [, symbol, nativeInterval, ticker, depth] = match as unknown as [string, string, string?, string?, string?, string?];
    if (nativeInterval !== undefined) {
      const interval = fromNativeInterval('binance', nativeInterval);
      return interval ? this.subscription(name, 'kline', nativeInterval, symbol, timeframe(interval)) : undefined;
    }
    if (ticker) return this.subscription(name, 'ticker', 'ticker', symbol);
    if (depth) return this.subscription(name, 'depth', 'depth20@100ms', symbol);
    return this.subscription(name, 'trade', 'trade', symbol);
  }

  protected keepalive(conn: SimConnection<BinanceState>, realNow: number): void {
    const { options } = this.ctx;
    if (realNow - conn.openedAt >= options.binanceMaxConnectionAgeMs) {
      conn.ws.close(1001, 'Connection exceeded its maximum lifetime');
      return;
    }
    if (conn.state.awaitingPongSince !== undefined && realNow - conn.state.awaitingPongSince >= options.binancePongTimeoutMs) {
      conn.ws.close(1008, 'Pong timeout');
      return;
    }
    if (realNow - conn.state.lastPingAt >= options.binancePingIntervalMs) {
      conn.state.lastPingAt = realNow;
      conn.state.awaitingPongSince ??= realNow;
      conn.ws.ping(String(realNow));
    }
  }

  protected override frameFor(conn: SimConnection<BinanceState>, sub: Subscription, payload: string): string {
    return conn.state.combined ? objectText<BinanceCombinedEvent>({ stream: quoted(sub.key), data: payload }) : payload;
  }

  protected renderKline(sub: Subscription, market: LiveMarket, bar: Bar, now: number): string {
    return klineEvent(market, sub.nativeChannel, bar, bar.openTime + INTERVAL_MS[sub.timeframe!.interval] - 1, now);
  }

  protected renderChannel(sub: Subscription, market: LiveMarket, now: number): string {
    const spot = this.ctx.market.spot(market.profile, now);
    switch (sub.channel) {
      case 'ticker':
        return tickerEvent(market, spot, this.sequences.next(`${market.native}:day`));
      case 'depth':
        return depthSnapshot(
          market,
          this.sequences.next(`${market.native}:book`),
          this.ctx.market.book(market.profile, spot, DEPTH_LEVELS),
        );
      default:
        return tradeEvent(market, spot, this.sequences.next(`${market.native}:trade`), spot.last % 2 === 0);
    }
  }

  protected override shutdownNoticeFrame(): string {
    return objectText<BinanceServerShutdown>({ e: '"serverShutdown"', E: `${this.ctx.clock.now()}` });
  }
}
