import type { SimConnection } from './connection.js';
import { Endpoint } from './endpoint.js';
import { hash32 } from './market/hash.js';
import { hostileFrames, type HostileShape } from './hostile.js';
import type { Bar } from './market/generator.js';
import { openOf, type Timeframe } from './market/timeframe.js';
import type { LiveMarket, StreamChannel, Subscription } from './subscription.js';

/** At most this many missed finals are pushed at once if the loop falls behind a very fast clock. */
const MAX_FINALS_PER_TICK = 16;

/** A market-data endpoint: subscriptions, the per-tick push of every stream, and the final push at each virtual bar close. */
export abstract class StreamServer<S> extends Endpoint<S> {
  private readonly tickMemo = new Map<string, string>();
  /** Where the exchange's kline frame keeps the fields the hostile fault corrupts. */
  protected abstract readonly hostileShape: HostileShape;

  protected abstract renderKline(sub: Subscription, market: LiveMarket, bar: Bar, now: number): string;
  protected abstract renderChannel(sub: Subscription, market: LiveMarket, now: number): string;
  /** Wraps a rendered payload for a connection (Binance combined streams); identity elsewhere. */
  protected frameFor(_conn: SimConnection<S>, _sub: Subscription, payload: string): string {
    return payload;
  }

  /** A subscription for a symbol in any native spelling; unknown or unparseable symbols stay silent. */
  protected subscription(
    key: string,
    channel: StreamChannel,
    nativeChannel: string,
    nativeSymbol: string,
    timeframe?: Timeframe,
  ): Subscription {
    return { key, exchange: this.exchange, channel, nativeChannel, timeframe, market: this.liveMarket(nativeSymbol) };
  }

  protected addSubscription(conn: SimConnection<S>, sub: Subscription): void {
    conn.subscriptions.set(sub.key, sub);
  }

  subscriptionCount(): number {
    let count = 0;
    for (const conn of this.connections) count += conn.subscriptions.size;
    return count;
  }

  /** Finals at virtual bar closes, and each stream's update when it is due. */
  override tick(now: number, realNow: number): void {
    this.tickMemo.clear();
    for (const conn of this.connections) {
      if (!conn.open) continue;
      const stalled = conn.stalled(realNow);
      if (!stalled) this.keepalive(conn, realNow);
      conn.corked(() => {
        for (const sub of conn.subscriptions.values()) {
          if (!sub.market || this.nothingDue(sub, now, realNow)) continue;
          const update = this.updateDue(sub, realNow);
          if (sub.timeframe) {
            const current = openOf(sub.timeframe, now);
            if (sub.lastOpen === undefined) {
              // The record starts with the first bar this subscriber is served, as its finals do.
              sub.lastOpen = current;
              if (sub.channel === 'kline') this.ctx.recorders[this.exchange].track(sub.market, sub.timeframe, now);
            }
            if (sub.lastOpen < current - MAX_FINALS_PER_TICK * sub.timeframe.sizeMs)
              sub.lastOpen = current - MAX_FINALS_PER_TICK * sub.timeframe.sizeMs;
            for (; sub.lastOpen < current; sub.lastOpen += sub.timeframe.sizeMs) {
              if (!stalled) conn.sendData(this.frameFor(conn, sub, this.klinePayload(sub, sub.market, sub.lastOpen, now)));
            }
            if (update && !stalled) conn.sendData(this.frameFor(conn, sub, this.klinePayload(sub, sub.market, current, now)));
          } else if (update && !stalled) {
            conn.sendData(
              this.frameFor(
                conn,
                sub,
                this.memo(sub.key, () => this.renderChannel(sub, sub.market!, now)),
              ),
            );
          }
        }
      });
    }
  }

  /**
   * True when a stream has neither its update nor a bar close due: most of the 25,200 streams of a
   * 1,200-symbol run in any 25 ms tick, which two comparisons now skip.
   */
  private nothingDue(sub: Subscription, now: number, realNow: number): boolean {
    if (sub.nextUpdateAt === undefined || realNow >= sub.nextUpdateAt) return false;
    if (!sub.timeframe) return true;
    // Bars open on their interval's grid, so none has closed since `lastOpen` until now reaches the next open.
    return sub.lastOpen !== undefined && now < sub.lastOpen + sub.timeframe.sizeMs;
  }

  /**
   * Every stream pushes once per `updateIntervalMs`, each at its own phase (from its name, so two
   * connections carrying a stream push it in the same tick), as exchanges do: streams spread over the
   * interval, not one burst of every stream at once, which no real feed sends.
   */
  private updateDue(sub: Subscription, realNow: number): boolean {
    const interval = this.ctx.options.updateIntervalMs;
    if (sub.nextUpdateAt === undefined) {
      const phase = hash32(sub.key) % interval;
      sub.nextUpdateAt = realNow - (realNow % interval) + phase;
      if (sub.nextUpdateAt < realNow) sub.nextUpdateAt += interval;
    }
    if (realNow < sub.nextUpdateAt) return false;
    sub.nextUpdateAt += interval;
    // A late tick sends one update, not a catch-up burst, and the stream keeps its phase.
    if (sub.nextUpdateAt <= realNow) sub.nextUpdateAt += Math.ceil((realNow - sub.nextUpdateAt + 1) / interval) * interval;
    return true;
  }

  private klinePayload(sub: Subscription, market: LiveMarket, openTime: number, now: number): string {
    return this.memo(`${sub.key}|${openTime}`, () =>
      this.renderKline(sub, market, this.ctx.market.bar(market.profile, sub.timeframe!, openTime, now), now),
    );
  }

  /** Connections share a stream's frame within one tick: it is rendered once. */
  private memo(key: string, render: () => string): string {
    let text = this.tickMemo.get(key);
    if (text === undefined) {
      text = render();
      this.tickMemo.set(key, text);
    }
    return text;
  }

  /** Pushes one update of one subscribed kline stream with high < low. */
  impossibleCandle(): boolean {
    const now = this.ctx.clock.now();
    for (const conn of this.connections) {
      for (const sub of conn.subscriptions.values()) {
        if (!sub.market || !sub.timeframe || !conn.open) continue;
        const bar = this.ctx.market.bar(sub.market.profile, sub.timeframe, openOf(sub.timeframe, now), now);
        const impossible: Bar = { ...bar, high: bar.low, low: bar.high > bar.low ? bar.high : bar.high + 1 };
        conn.sendData(this.frameFor(conn, sub, this.renderKline(sub, sub.market, impossible, now)));
        return true;
      }
    }
    return false;
  }

  /** `rounds` rounds of every hostile frame (hostile.ts) on each connection that carries a kline stream, built from that stream. */
  hostile(rounds: number): { connections: number; frames: number } {
    const now = this.ctx.clock.now();
    let connections = 0;
    let frames = 0;
    for (const conn of this.connections) {
      const sub = [...conn.subscriptions.values()].find((s) => s.channel === 'kline' && s.market && s.timeframe);
      if (!sub?.market || !sub.timeframe || !conn.open) continue;
      const bar = this.ctx.market.bar(sub.market.profile, sub.timeframe, openOf(sub.timeframe, now), now);
      const base = {
        frame: this.frameFor(conn, sub, this.renderKline(sub, sub.market, bar, now)),
        symbol: sub.market.symbol.canonical,
        native: sub.market.native,
      };
      const list = hostileFrames(this.hostileShape, base);
      for (let round = 0; round < rounds; round++) {
        for (const frame of list) {
          if ('text' in frame) conn.send(frame.text);
          else conn.sendRaw(frame.binary);
        }
      }
      connections++;
      frames += rounds * list.length;
    }
    return { connections, frames };
  }
}
