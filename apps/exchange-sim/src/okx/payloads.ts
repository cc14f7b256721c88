import type { OkxArg, OkxBook, OkxCandleRow, OkxLevel, OkxPush, OkxTicker, OkxTrade } from '@klineflow/exchange-modules';
import type { Bar, Level, Spot } from '../market/generator.js';
import { barText, SHORTEST_DECIMALS } from '../market/number-style.js';
import type { BarText } from '../recorder.js';
import type { LiveMarket } from '../subscription.js';
import { objectText, quoted, tupleText } from '../wire-text.js';

/** OKX writes the shortest exact decimal ("64040.2"). */
const { price, size, quote } = SHORTEST_DECIMALS;

export const okxBarText = (bar: Bar, market: LiveMarket): BarText => barText(bar, market, SHORTEST_DECIMALS, false);

const push = (channel: string, instId: string, row: string) =>
  objectText<OkxPush<unknown>>({ arg: objectText<OkxArg>({ channel: quoted(channel), instId: quoted(instId) }), data: `[${row}]` });

export function candlePush(channel: string, market: LiveMarket, bar: Bar, closed: boolean): string {
  const t = okxBarText(bar, market);
  return push(
    channel,
    market.native,
    tupleText<OkxCandleRow>([
      quoted(bar.openTime),
      quoted(t.open),
      quoted(t.high),
      quoted(t.low),
      quoted(t.close),
      quoted(t.volume),
      quoted(t.quote_volume),
      quoted(t.quote_volume),
      closed ? '"1"' : '"0"',
    ]),
  );
}

export function tickerPush(market: LiveMarket, s: Spot): string {
  const p = market.profile;
  const px = (ticks: number) => quoted(price(p, ticks));
  const sz = (units: number) => quoted(size(p, units));
  const open = px(s.open24h);
  return push(
    'tickers',
    market.native,
    objectText<OkxTicker>({
      instType: '"SPOT"',
      instId: quoted(market.native),
      last: px(s.last),
      lastSz: sz(s.lastSize),
      askPx: px(s.ask),
      askSz: sz(s.askSize),
      bidPx: px(s.bid),
      bidSz: sz(s.bidSize),
      open24h: open,
      high24h: px(s.high24h),
      low24h: px(s.low24h),
      volCcy24h: quoted(quote(p, s.quoteVolume24h)),
      vol24h: sz(s.volume24h),
      sodUtc0: open,
      sodUtc8: open,
      ts: quoted(s.time),
    }),
  );
}

export function books5Push(market: LiveMarket, s: Spot, seqId: number, book: { bids: Level[]; asks: Level[] }): string {
  const p = market.profile;
  const side = (levels: Level[]) =>
    `[${levels.map((l, i) => tupleText<OkxLevel>([quoted(price(p, l.price)), quoted(size(p, l.size)), '"0"', quoted(1 + (i % 4))])).join(',')}]`;
  return push(
    'books5',
    market.native,
    objectText<OkxBook>({
      asks: side(book.asks),
      bids: side(book.bids),
      instId: quoted(market.native),
      ts: quoted(s.time),
      seqId: `${seqId}`,
    }),
  );
}

export function tradesPush(market: LiveMarket, s: Spot, tradeId: number): string {
  const p = market.profile;
  return push(
    'trades',
    market.native,
    objectText<OkxTrade>({
      instId: quoted(market.native),
      tradeId: quoted(tradeId),
      px: quoted(price(p, s.last)),
      sz: quoted(size(p, s.lastSize)),
      side: s.last % 2 === 0 ? '"buy"' : '"sell"',
      ts: quoted(s.time),
      count: '"1"',
    }),
  );
}
