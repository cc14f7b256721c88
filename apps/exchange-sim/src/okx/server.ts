import { randomBytes } from 'node:crypto';
import type { RawData } from 'ws';
import { fromNativeInterval, okxFacts, type OkxEvent } from '@klineflow/exchange-modules';
import type { SimConnection } from '../connection.js';
import type { Bar } from '../market/generator.js';
import { timeframe, type Timeframe } from '../market/timeframe.js';
import { Sequences } from '../sequences.js';
import { StreamServer } from '../stream-server.js';
import type { LiveMarket, StreamChannel, Subscription } from '../subscription.js';
import { books5Push, candlePush, tickerPush, tradesPush } from './payloads.js';
import { okxHostileShape } from './hostile.js';

interface OkxState {
  /** /ws/v5/business carries candles; /ws/v5/public tickers, books and trades. */
  readonly business: boolean;
  readonly connId: string;
}

interface Arg {
  channel?: unknown;
  instId?: unknown;
}

const PUBLIC_CHANNELS: Record<string, StreamChannel> = { tickers: 'ticker', books5: 'depth', trades: 'trade' };
const CANDLE = /^candle\w+$/;
const INST_ID = /^[A-Z0-9]+-[A-Z0-9]+$/;
const HOUR = 3_600_000;
const BOOK_LEVELS = 5;

/** OKX v5 public and business WebSocket endpoints. */
export class OkxServer extends StreamServer<OkxState> {
  protected readonly hostileShape = okxHostileShape;
  protected override readonly hasShutdownNotice = true;
  private readonly sequences = new Sequences();

  protected accept(url: URL): OkxState | number {
    if (url.pathname !== '/ws/v5/public' && url.pathname !== '/ws/v5/business') return 404;
    return { business: url.pathname === '/ws/v5/business', connId: randomBytes(4).toString('hex') };
  }

  protected onOpen(): void {}

  protected encode(text: string): string {
    return text;
  }

  protected onMessage(conn: SimConnection<OkxState>, data: RawData): void {
    const text = data.toString();
    if (text === 'ping') return conn.send('pong');
    const { connId } = conn.state;
    const error = (code: string, msg: string, id?: unknown) =>
      conn.send(
        JSON.stringify({ ...(id === undefined ? {} : { id: id as string }), event: 'error', code, msg, connId } satisfies OkxEvent),
      );
    let request: { id?: unknown; op?: unknown; args?: unknown };
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      return error('60012', `Invalid request: ${text.slice(0, 200)}`);
    }
    const { id, op, args } = request;
    if ((op !== 'subscribe' && op !== 'unsubscribe') || !Array.isArray(args) || args.length === 0) {
      return error('60012', `Invalid request: ${text.slice(0, 200)}`, id);
    }
    if (Buffer.byteLength(JSON.stringify(args)) > okxFacts.limits.maxSubscribeRequestBytes) {
      return error('60013', 'Invalid args: the arguments of one request may total at most 64 KB', id);
    }
    const subs: Subscription[] = [];
    for (const arg of args as Arg[]) {
      const channel = typeof arg?.channel === 'string' ? arg.channel : '';
      const instId = typeof arg?.instId === 'string' ? arg.instId : '';
      const candle = CANDLE.test(channel) ? candleTimeframe(channel) : undefined;
      const known = candle !== undefined || channel in PUBLIC_CHANNELS;
      if (!known) return error('60012', `Invalid request: unknown channel ${JSON.stringify(channel)}`, id);
      if ((candle !== undefined) !== conn.state.business || !INST_ID.test(instId)) {
        return error(
          '60018',
          `Wrong URL or channel:${channel},instId:${instId} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`,
          id,
        );
      }
      const key = `${channel}:${instId}`;
      subs.push(
        candle
          ? this.subscription(key, 'kline', channel, instId, candle)
          : this.subscription(key, PUBLIC_CHANNELS[channel]!, channel, instId),
      );
    }
    for (const sub of subs) {
      if (op === 'subscribe') this.addSubscription(conn, sub);
      else conn.subscriptions.delete(sub.key);
      const [channel = '', instId = ''] = sub.key.split(':');
      conn.send(
        JSON.stringify({
          ...(id === undefined ? {} : { id: id as string }),
          event: op,
          arg: { channel, instId },
          connId,
        } satisfies OkxEvent),
      );
    }
  }

  /** OKX closes a connection on which the client has said nothing for the idle timeout (30 s). */
  protected keepalive(conn: SimConnection<OkxState>, realNow: number): void {
    if (realNow - conn.lastClientMessageAt >= this.ctx.options.okxIdleTimeoutMs) {
      conn.ws.close(4004, `No data received in ${Math.round(this.ctx.options.okxIdleTimeoutMs / 1000)}s.`);
    }
  }

  protected renderKline(sub: Subscription, market: LiveMarket, bar: Bar, now: number): string {
    return candlePush(sub.nativeChannel, market, bar, now > bar.openTime + sub.timeframe!.sizeMs - 1);
  }

  protected renderChannel(sub: Subscription, market: LiveMarket, now: number): string {
    const spot = this.ctx.market.spot(market.profile, now);
    switch (sub.channel) {
      case 'ticker':
        return tickerPush(market, spot);
      case 'depth':
        return books5Push(
          market,
          spot,
          this.sequences.next(`${market.native}:book`),
          this.ctx.market.book(market.profile, spot, BOOK_LEVELS),
        );
      default:
        return tradesPush(market, spot, this.sequences.next(`${market.native}:trade`));
    }
  }

  protected override shutdownNoticeFrame(conn: SimConnection<OkxState>): string {
    return JSON.stringify({
      event: 'notice',
      code: '64008',
      connId: conn.state.connId,
      msg: 'The connection will soon be closed for a service upgrade. Please reconnect.',
    } satisfies OkxEvent);
  }
}

/** candle1Dutc is the UTC day; plain candle1D opens at 16:00 UTC (midnight UTC+8). */
function candleTimeframe(channel: string): Timeframe | undefined {
  if (channel === 'candle1D') return timeframe('1d', 16 * HOUR);
  const interval = fromNativeInterval('okx', channel);
  return interval ? timeframe(interval) : undefined;
}
