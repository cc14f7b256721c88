import { gzipSync } from 'node:zlib';
import type { RawData } from 'ws';
import { fromNativeInterval, type HuobiHistoryReply, type HuobiReply } from '@klineflow/exchange-modules';
import type { SimConnection } from '../connection.js';
import type { Bar } from '../market/generator.js';
import { openOf, timeframe } from '../market/timeframe.js';
import { Sequences } from '../sequences.js';
import { StreamServer } from '../stream-server.js';
import type { LiveMarket, Subscription } from '../subscription.js';
import { objectText, type FieldsText } from '../wire-text.js';
import { depthTick, klineTick, push, tickerTick, tradeTick } from './payloads.js';
import { huobiHostileShape } from './hostile.js';

interface HuobiState {
  lastPingAt: number;
  unansweredPings: number;
  lastRequestAt: number;
}

type Message = {
  ping?: unknown;
  pong?: unknown;
  sub?: unknown;
  unsub?: unknown;
  req?: unknown;
  id?: unknown;
  from?: unknown;
  to?: unknown;
};

const TOPIC = /^market\.([a-z0-9]+)\.(?:kline\.(1min|5min|15min|60min|4hour|1day)|(ticker)|(depth\.step0)|(trade\.detail))$/;
const MAX_HISTORY_BARS = 300;
const MIN_REQUEST_GAP_MS = 100;
const DEPTH_LEVELS = 20;

/**
 * Fastest gzip for frames of a few hundred bytes (any gzip stream inflates the same on the client):
 * 8 against 11.5 µs a frame, and compressing was a quarter of the simulator's CPU at 1,200 symbols.
 */
const GZIP_OPTIONS = { level: 1, memLevel: 4, windowBits: 10 } as const;

/** HTX spot `/ws`: every server frame gzip-compressed binary, client frames plain JSON text. */
export class HuobiServer extends StreamServer<HuobiState> {
  protected readonly hostileShape = huobiHostileShape;
  private readonly sequences = new Sequences();
  /** A frame sent to many connections in one tick is compressed once. */
  private readonly compressed = new Map<string, Buffer>();

  protected accept(url: URL): HuobiState | number {
    return url.pathname === '/ws' ? { lastPingAt: Date.now(), unansweredPings: 0, lastRequestAt: 0 } : 404;
  }

  protected onOpen(): void {}

  protected encode(text: string): Buffer {
    let frame = this.compressed.get(text);
    if (!frame) {
      frame = gzipSync(text, GZIP_OPTIONS);
      this.compressed.set(text, frame);
    }
    return frame;
  }

  override tick(now: number, realNow: number): void {
    this.compressed.clear();
    super.tick(now, realNow);
  }

  protected onMessage(conn: SimConnection<HuobiState>, data: RawData): void {
    const now = this.ctx.clock.now();
    let message: Message;
    try {
      message = JSON.parse(data.toString()) as Message;
    } catch {
      conn.send(objectText<HuobiReply>(badRequestFields(now, 'invalid json')));
      return;
    }
    const reply = (fields: Omit<FieldsText<HuobiReply>, 'id'>) => conn.send(objectText<HuobiReply>(withId(message, fields)));
    const badRequest = (msg: string) => reply(badRequestFields(now, msg));
    if (message.pong !== undefined) {
      conn.state.unansweredPings = 0;
      return;
    }
    if (message.ping !== undefined) return conn.send(JSON.stringify({ pong: message.ping }));
    if (typeof message.sub === 'string' || typeof message.unsub === 'string') {
      const topic = (message.sub ?? message.unsub) as string;
      const sub = this.parse(topic);
      if (!sub) return badRequest(`invalid topic ${topic}`);
      if (message.sub !== undefined) {
        this.addSubscription(conn, sub);
        return reply({ status: '"ok"', subbed: JSON.stringify(topic), ts: `${now}` });
      }
      conn.subscriptions.delete(topic);
      return reply({ status: '"ok"', unsubbed: JSON.stringify(topic), ts: `${now}` });
    }
    if (typeof message.req === 'string') return this.history(conn, message, badRequest);
    badRequest('unknown request');
  }

  /** `req` of kline history: bars with id in [from, to] seconds, at most 300, one request per 100 ms. */
  private history(conn: SimConnection<HuobiState>, message: Message, badRequest: (msg: string) => void): void {
    const realNow = Date.now();
    if (realNow - conn.state.lastRequestAt < MIN_REQUEST_GAP_MS) {
      return badRequest(`too many requests: at most one req per ${MIN_REQUEST_GAP_MS} ms`);
    }
    conn.state.lastRequestAt = realNow;
    const topic = message.req as string;
    const sub = this.parse(topic);
    if (!sub?.timeframe || !sub.market) return badRequest(`invalid topic ${topic}`);
    const { from, to } = message;
    if ((from !== undefined && !Number.isInteger(from)) || (to !== undefined && !Number.isInteger(to)))
      return badRequest('invalid from/to');
    const tf = sub.timeframe;
    const now = this.ctx.clock.now();
    const current = openOf(tf, now);
    const last = to === undefined ? current : Math.min(current, openOf(tf, (to as number) * 1000));
    const first = from === undefined ? last - (MAX_HISTORY_BARS - 1) * tf.sizeMs : openOf(tf, (from as number) * 1000 + tf.sizeMs - 1);
    const bars: string[] = [];
    for (let open = first; open <= last && bars.length < MAX_HISTORY_BARS; open += tf.sizeMs) {
      bars.push(klineTick(sub.market, this.ctx.market.bar(sub.market.profile, tf, open, now)));
    }
    conn.send(objectText<HuobiHistoryReply>(withId(message, { rep: JSON.stringify(topic), status: '"ok"', data: `[${bars.join(',')}]` })));
  }

  private parse(topic: string): Subscription | undefined {
    const match = TOPIC.exec(topic);
    if (!match) return undefined;
    const [, symbol, period, ticker, depth] = match as unknown as [string, string, string?, string?, string?, string?];
    if (period) return this.subscription(topic, 'kline', period, symbol, timeframe(fromNativeInterval('huobi', period)!));
    if (ticker) return this.subscription(topic, 'ticker', 'ticker', symbol);
    if (depth) return this.subscription(topic, 'depth', 'depth.step0', symbol);
    return this.subscription(topic, 'trade', 'trade.detail', symbol);
  }

  /** `{"ping":ts}` every interval; a third ping time with two still unanswered closes the connection. */
  protected keepalive(conn: SimConnection<HuobiState>, realNow: number): void {
    if (realNow - conn.state.lastPingAt < this.ctx.options.huobiPingIntervalMs) return;
    if (conn.state.unansweredPings >= 2) {
      conn.ws.close(1000, 'two pings unanswered');
      return;
    }
    conn.state.lastPingAt = realNow;
    conn.state.unansweredPings++;
    conn.send(`{"ping":${realNow}}`);
  }

  protected renderKline(sub: Subscription, market: LiveMarket, bar: Bar, now: number): string {
    return push(sub.key, now, klineTick(market, bar));
  }

  protected renderChannel(sub: Subscription, market: LiveMarket, now: number): string {
    const spot = this.ctx.market.spot(market.profile, now);
    switch (sub.channel) {
      case 'ticker':
        return push(sub.key, now, tickerTick(market, spot));
      case 'depth':
        return push(
          sub.key,
          now,
          depthTick(market, spot, this.sequences.next(`${market.native}:book`), this.ctx.market.book(market.profile, spot, DEPTH_LEVELS)),
        );
      default:
        return push(sub.key, now, tradeTick(market, spot, this.sequences.next(`${market.native}:trade`)));
    }
  }
}

/** A reply's fields with the request's id first, where the request had one. */
function withId<T extends { id?: string }>(message: { id?: unknown }, fields: Omit<FieldsText<T>, 'id'>): FieldsText<T> {
  return (message.id === undefined ? fields : { id: JSON.stringify(message.id), ...fields }) as FieldsText<T>;
}

function badRequestFields(now: number, msg: string): FieldsText<HuobiReply> {
  return { status: '"error"', ts: `${now}`, 'err-code': '"bad-request"', 'err-msg': JSON.stringify(msg) };
}
