import type { RawData } from 'ws';
import { INTERVAL_MS } from '@klineflow/exchanges';
import { fromNativeInterval, type BinanceApiResponse } from '@klineflow/exchange-modules';
import type { SimConnection } from '../connection.js';
import { Endpoint } from '../endpoint.js';
import { openOf, timeframe } from '../market/timeframe.js';
import { objectText } from '../wire-text.js';
import { klineRow } from './payloads.js';

const KLINES_WEIGHT = 2;
const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;
const MINUTE = 60_000;
/** How long a client that keeps requesting after a 429 is banned (418). */
const BAN_MS = 2 * MINUTE;

interface KlinesParams {
  symbol?: unknown;
  interval?: unknown;
  startTime?: unknown;
  endTime?: unknown;
  limit?: unknown;
}

type ApiRequest = { id?: unknown; method?: unknown; params?: KlinesParams };

/**
 * Binance WS-API (`/ws-api/v3`), the backfill path: `klines` with the same deterministic bars as
 * the live streams, and the REQUEST_WEIGHT budget (429 with retryAfter, then 418 if ignored).
 * The budget is shared by every connection, as Binance counts it per IP.
 */
export class BinanceApiServer extends Endpoint<Record<string, never>> {
  private windowStart = 0;
  private usedWeight = 0;
  private limitedUntil = 0;
  private bannedUntil = 0;

  protected accept(url: URL): Record<string, never> | number {
    return url.pathname === '/ws-api/v3' ? {} : 404;
  }

  protected onOpen(): void {}

  protected keepalive(): void {}

  protected encode(text: string): string {
    return text;
  }

  protected onMessage(conn: SimConnection<Record<string, never>>, data: RawData): void {
    let request: ApiRequest;
    try {
      request = JSON.parse(data.toString()) as ApiRequest;
    } catch {
      conn.send(
        JSON.stringify({
          id: null,
          status: 400,
          error: { code: -1100, msg: 'Malformed request: not valid JSON.' },
        } satisfies BinanceApiResponse),
      );
      return;
    }
    conn.send(this.answer(request));
  }

  private answer(request: ApiRequest): string {
    const id = request.id ?? null;
    const realNow = Date.now();
    const error = (status: number, code: number, msg: string, data?: object) =>
      JSON.stringify({
        id,
        status,
        error: { code, msg, ...(data ? { data } : {}) },
        rateLimits: this.rateLimits(),
      } satisfies BinanceApiResponse);

    if (realNow < this.bannedUntil || realNow < this.limitedUntil) {
      // Requesting again while rate-limited is the repeated violation Binance answers with a ban.
      this.bannedUntil = Math.max(this.bannedUntil, realNow + BAN_MS);
      return error(418, -1003, `Way too much request weight used; IP banned until ${this.bannedUntil}.`, {
        serverTime: realNow,
        retryAfter: this.bannedUntil,
      });
    }
    if (realNow - this.windowStart >= MINUTE) {
      this.windowStart = realNow - (realNow % MINUTE);
      this.usedWeight = 0;
    }
    if (this.usedWeight + KLINES_WEIGHT > this.ctx.options.apiWeightLimit) {
      this.limitedUntil = this.windowStart + MINUTE;
      return error(429, -1003, 'Too much request weight used; current limit is exceeded.', {
        serverTime: realNow,
        retryAfter: this.limitedUntil,
      });
    }
    this.usedWeight += KLINES_WEIGHT;

    if (request.method !== 'klines') return error(400, -1100, `Unknown method ${JSON.stringify(request.method)}.`);
    const params = request.params ?? {};
    const market = typeof params.symbol === 'string' && /^[A-Z0-9]+$/.test(params.symbol) ? this.liveMarket(params.symbol) : undefined;
    if (!market) return error(400, -1121, 'Invalid symbol.');
    const interval = typeof params.interval === 'string' ? fromNativeInterval('binance', params.interval) : undefined;
    if (!interval) return error(400, -1120, 'Invalid interval.');
    const limit = params.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_LIMIT) {
      return error(400, -1130, `Invalid data sent for a parameter: limit must be 1..${MAX_LIMIT}.`);
    }
    const times = [params.startTime, params.endTime];
    if (times.some((t) => t !== undefined && !Number.isInteger(t)))
      return error(400, -1130, 'Invalid data sent for a parameter: startTime/endTime.');

    const tf = timeframe(interval);
    const size = INTERVAL_MS[interval];
    const now = this.ctx.clock.now();
    const current = openOf(tf, now);
    const last = params.endTime === undefined ? current : Math.min(current, openOf(tf, params.endTime as number));
    const first =
      params.startTime === undefined ? last - ((limit as number) - 1) * size : openOf(tf, (params.startTime as number) + size - 1);
    const rows: string[] = [];
    for (let open = first; open <= last && rows.length < (limit as number); open += size) {
      rows.push(klineRow(market, this.ctx.market.bar(market.profile, tf, open, now), open + size - 1));
    }
    return objectText<BinanceApiResponse>({
      id: JSON.stringify(id),
      status: '200',
      result: `[${rows.join(',')}]`,
      rateLimits: JSON.stringify(this.rateLimits()),
    });
  }

  private rateLimits() {
    return [
      {
        rateLimitType: 'REQUEST_WEIGHT',
        interval: 'MINUTE',
        intervalNum: 1,
        limit: this.ctx.options.apiWeightLimit,
        count: this.usedWeight,
      },
    ];
  }
}
