import { barCloseTime } from '@klineflow/exchanges';
import { fromNativeInterval } from '../facts.js';
import { control, parseJson, records, rejected, type FrameContext, type MappedRecord, type Mapper, type MapResult } from '../mapper.js';
import { bybitFacts } from './facts.js';
import { parseTopic, TOP_LEVELS, type BybitBook, type BybitKline, type BybitPush, type BybitTicker, type BybitTrade } from './wire.js';

const exchange = 'bybit';
const TAKER_SIDE = { Buy: 'buy', Sell: 'sell' } as const;

export const bybitMapper: Mapper = {
  exchange,
  barClosing: 'flagged', // kline `confirm`
  klineTradeCount: false,
  // Every push carries `ts`, the time Bybit generated it: a kline is pushed every 1-60 s, the book every
  // 20 ms, so two distinct updates of a stream never share it; the same `ts` is the same push, twice.
  ordering: { kline: 'event_time', ticker: 'event_time', depth: 'event_time', trade: 'event_time' },
  map(raw, context) {
    const frame = parseJson(raw) as (Partial<BybitPush<unknown>> & { op?: unknown }) | undefined;
    if (!frame || typeof frame !== 'object') return rejected('unparseable', 'not a JSON object');
    if (typeof frame.topic !== 'string')
      return typeof frame.op === 'string' ? control : rejected('unknown_channel', 'neither a push nor a reply');
    const topic = parseTopic(frame.topic);
    if (!topic) return rejected('unknown_channel', `topic ${frame.topic}`);
    const push = frame as BybitPush<unknown>;
    switch (topic.channel) {
      case 'kline':
        return mapKlines(bybitFacts.canonicalSymbol(topic.symbol), push as BybitPush<BybitKline[]>, context);
      case 'ticker':
        return mapTicker(push as BybitPush<BybitTicker>, context);
      case 'depth':
        // The ingest publishes its local book's top 20 as a snapshot (book.ts); a delta alone is no book.
        return push.type === 'snapshot'
          ? mapBook(push as BybitPush<BybitBook>, context)
          : rejected('malformed', `${push.type} on ${frame.topic}: only book snapshots are published`);
      case 'trade':
        return mapTrades(push as BybitPush<BybitTrade[]>, context);
    }
  },
};

function mapKlines(symbol: string, push: BybitPush<BybitKline[]>, context: FrameContext): MapResult {
  const list: MappedRecord[] = [];
  for (const k of push.data) {
    // The bar's own interval, not the topic's: a bar of another interval must not pass for the topic's.
    const interval = fromNativeInterval(exchange, k.interval);
    if (!interval) return rejected('unknown_channel', `kline interval ${String(k.interval)}`);
    list.push({
      channel: 'kline',
      record: {
        exchange,
        symbol,
        interval,
        open_time: k.start,
        close_time: barCloseTime(interval, k.start),
        open: k.open,
        high: k.high,
        low: k.low,
        close: k.close,
        volume: k.volume, // base
        quote_volume: k.turnover, // quote
        trade_count: null, // Bybit publishes none
        is_closed: k.confirm === true,
        event_time: push.ts,
        recv_time: context.recvTime,
      },
    });
  }
  return records(list, push.ts);
}

/** Spot tickers carry no last size, best bid or ask, nor trade count: those are null. */
function mapTicker(push: BybitPush<BybitTicker>, context: FrameContext): MapResult {
  const t = push.data;
  return records(
    [
      {
        channel: 'ticker',
        record: {
          exchange,
          symbol: bybitFacts.canonicalSymbol(t.symbol),
          last_price: t.lastPrice,
          last_quantity: null,
          best_bid_price: null,
          best_bid_quantity: null,
          best_ask_price: null,
          best_ask_quantity: null,
          open_24h: t.prevPrice24h, // the price 24 h ago
          high_24h: t.highPrice24h,
          low_24h: t.lowPrice24h,
          volume_24h: t.volume24h, // base
          quote_volume_24h: t.turnover24h, // quote
          trade_count_24h: null,
          event_time: push.ts,
          recv_time: context.recvTime,
        },
      },
    ],
    push.ts,
  );
}

function mapBook(push: BybitPush<BybitBook>, context: FrameContext): MapResult {
  const book = push.data;
  return records(
    [
      {
        channel: 'depth',
        record: {
          exchange,
          symbol: bybitFacts.canonicalSymbol(book.s),
          bids: book.b.slice(0, TOP_LEVELS) as [string, string][],
          asks: book.a.slice(0, TOP_LEVELS) as [string, string][],
          update_id: String(book.u),
          event_time: push.ts,
          recv_time: context.recvTime,
        },
      },
    ],
    push.ts,
  );
}

function mapTrades(push: BybitPush<BybitTrade[]>, context: FrameContext): MapResult {
  const list: MappedRecord[] = push.data.map((t) => ({
    channel: 'trade',
    record: {
      exchange,
      symbol: bybitFacts.canonicalSymbol(t.s),
      trade_id: t.i,
      price: t.p,
      quantity: t.v,
      // A side other than Buy or Sell is left undefined, which the schema refuses.
      taker_side: TAKER_SIDE[t.S],
      trade_time: t.T,
      event_time: push.ts,
      recv_time: context.recvTime,
    },
  }));
  return records(list, push.ts);
}
