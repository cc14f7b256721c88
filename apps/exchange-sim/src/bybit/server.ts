import { randomUUID } from 'node:crypto';
import type { RawData } from 'ws';
import {
  BOOK_DEPTH,
  bybitFacts,
  fromNativeInterval,
  parseTopic,
  type BybitBook,
  type BybitLevel,
  type BybitPush,
  type BybitReply,
  type BybitRequest,
} from '@klineflow/exchange-modules';
import type { SimConnection } from '../connection.js';
import type { Bar } from '../market/generator.js';
import { timeframe } from '../market/timeframe.js';
import { Sequences } from '../sequences.js';
import { StreamServer } from '../stream-server.js';
import type { LiveMarket, Subscription } from '../subscription.js';
import { bookPush, klinePush, tickerPush, tradePush } from './payloads.js';
import { bybitHostileShape } from './hostile.js';

interface BybitState {
  readonly connId: string;
  /** Real time of the last data frame sent: with no ping either, Bybit cuts a connection after 10 minutes. */
  lastDataAt: number;
}

/** The levels of a book a connection was last sent, price → size. */
interface SentBook {
  readonly bids: Map<string, string>;
  readonly asks: Map<string, string>;
}

const PATH = '/v5/public/spot';
const IDLE_CUT_MS = 600_000;

/** Bybit v5 public spot: JSON text both ways, topics in `args`, `{"op":"ping"}` keepalive, books as snapshot then deltas. */
export class BybitServer extends StreamServer<BybitState> {
  protected readonly hostileShape = bybitHostileShape;
  private readonly sequences = new Sequences();
  /** Book pushes rendered this tick, by their text: each connection gets its own delta from one. */
  private readonly renderedBooks = new Map<string, BybitPush<BybitBook>>();
  private readonly sentBooks = new WeakMap<Subscription, SentBook>();

  protected accept(url: URL): BybitState | number {
    return url.pathname === PATH ? { connId: randomUUID(), lastDataAt: Date.now() } : 404;
  }

  protected onOpen(): void {}

  protected encode(text: string): string {
    return text;
  }

  override tick(now: number, realNow: number): void {
    this.renderedBooks.clear();
    super.tick(now, realNow);
  }

  protected onMessage(conn: SimConnection<BybitState>, data: RawData): void {
    let request: Partial<BybitRequest>;
    try {
      request = JSON.parse(data.toString()) as Partial<BybitRequest>;
    } catch {
      request = {};
    }
    const op = typeof request.op === 'string' ? request.op : '';
    const reply = (success: boolean, retMsg: string) => {
      const body: BybitReply = {
        success,
        ret_msg: retMsg,
        conn_id: conn.state.connId,
        ...(request.req_id === undefined ? {} : { req_id: request.req_id }),
        op,
      };
      conn.send(JSON.stringify(body));
    };
    if (op === 'ping') return reply(true, 'pong');
    if (op !== 'subscribe' && op !== 'unsubscribe') return reply(false, `error:unknown op ${String(op)}`);
    const args = request.args;
    if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === 'string')) return reply(false, 'error:args invalid');
    if (args.length > bybitFacts.limits.maxStreamsPerSubscribe)
      return reply(false, `args size >${bybitFacts.limits.maxStreamsPerSubscribe}`);
    if (op === 'unsubscribe') {
      for (const topic of args) conn.subscriptions.delete(topic);
      return reply(true, '');
    }
    // One topic already subscribed, or unknown, refuses the whole request.
    const subs: Subscription[] = [];
    for (const topic of args) {
      if (conn.subscriptions.has(topic)) return reply(false, `error:already subscribed,topic:${topic}`);
      const sub = this.parse(topic);
      if (!sub) return reply(false, `error:handler not found,topic:${topic}`);
      subs.push(sub);
    }
    for (const sub of subs) this.addSubscription(conn, sub);
    reply(true, 'subscribe');
  }

  /** The topics klineflow uses, on the intervals the simulator generates. */
  private parse(topic: string): Subscription | undefined {
    const parsed = parseTopic(topic);
    if (!parsed) return undefined;
    if (parsed.channel !== 'kline') return this.subscription(topic, parsed.channel, parsed.channel, parsed.symbol);
    const interval = fromNativeInterval('bybit', parsed.interval ?? '');
    return interval && this.subscription(topic, 'kline', parsed.interval!, parsed.symbol, timeframe(interval));
  }

  protected keepalive(conn: SimConnection<BybitState>, realNow: number): void {
    if (realNow - Math.max(conn.lastClientMessageAt, conn.state.lastDataAt) >= IDLE_CUT_MS) conn.ws.close(1000, 'idle');
  }

  protected renderKline(sub: Subscription, market: LiveMarket, bar: Bar, now: number): string {
    return klinePush(sub.key, sub.nativeChannel, market, bar, sub.timeframe!.sizeMs, now);
  }

  protected renderChannel(sub: Subscription, market: LiveMarket, now: number): string {
    const spot = this.ctx.market.spot(market.profile, now);
    switch (sub.channel) {
      case 'ticker':
        return tickerPush(market, spot, this.sequences.next(`${market.native}:ticker`));
      case 'depth': {
        // `u` counts the topic's pushes, the same on every connection, as Bybit's does.
        const u = this.sequences.next(`${market.native}:book`);
        const push = bookPush(
          market,
          spot,
          u,
          this.sequences.next(`${market.native}:seq`),
          this.ctx.market.book(market.profile, spot, BOOK_DEPTH),
        );
        const text = JSON.stringify(push);
        this.renderedBooks.set(text, push);
        return text;
      }
      default:
        return tradePush(market, spot, this.sequences.next(`${market.native}:trade`));
    }
  }

  /** A subscription's first book push is a snapshot; each later one a delta from what that connection was sent. */
  protected override frameFor(conn: SimConnection<BybitState>, sub: Subscription, payload: string): string {
    conn.state.lastDataAt = Date.now();
    const push = sub.channel === 'depth' ? this.renderedBooks.get(payload) : undefined;
    if (!push) return payload;
    const next: SentBook = { bids: new Map(push.data.b), asks: new Map(push.data.a) };
    const sent = this.sentBooks.get(sub);
    this.sentBooks.set(sub, next);
    if (!sent) return payload;
    const delta: BybitPush<BybitBook> = {
      ...push,
      type: 'delta',
      data: { ...push.data, b: changes(sent.bids, next.bids), a: changes(sent.asks, next.asks) },
    };
    return JSON.stringify(delta);
  }
}

/** Levels new or resized, and "0" for levels gone. */
function changes(before: Map<string, string>, after: Map<string, string>): BybitLevel[] {
  const changed: BybitLevel[] = [];
  for (const [price, size] of after) if (before.get(price) !== size) changed.push([price, size]);
  for (const price of before.keys()) if (!after.has(price)) changed.push([price, '0']);
  return changed;
}
