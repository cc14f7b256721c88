import { barCloseTime, type Interval } from '@klineflow/exchanges';
import { fromNativeInterval } from '../facts.js';
import { okxFacts } from './facts.js';
import type { OkxBook, OkxCandleRow, OkxPush, OkxTicker, OkxTrade } from './wire.js';
import type { StandardKline } from '@klineflow/schemas';
import { control, parseJson, records, rejected, type FrameContext, type MappedRecord, type Mapper, type MapResult } from '../mapper.js';

const exchange = 'okx';

export const okxMapper: Mapper = {
  exchange,
  barClosing: 'flagged', // candle `confirm`
  klineTradeCount: false,
  // Candle pushes carry no event time (the receive time stands in): two in one millisecond are ordered by arrival.
  ordering: { kline: 'arrival', ticker: 'event_time', depth: 'event_time', trade: 'event_time' },
  map(raw, context) {
    if (raw === 'pong') return control;
    const frame = parseJson(raw) as (Partial<OkxPush<unknown>> & { event?: string }) | undefined;
    if (!frame || typeof frame !== 'object') return rejected('unparseable', 'not a JSON object');
    if (typeof frame.event === 'string') return control;
    const channel = frame.arg?.channel;
    const instId = frame.arg?.instId;
    if (typeof channel !== 'string' || typeof instId !== 'string' || !Array.isArray(frame.data)) {
      return rejected('unknown_channel', 'push without arg.channel, arg.instId or data[]');
    }
    const symbol = okxFacts.canonicalSymbol(instId);
    if (channel.startsWith('candle')) {
      const interval = fromNativeInterval(exchange, channel);
      // candle1D opens at 16:00 UTC and would misalign every daily bar: only candle1Dutc is ours.
      if (!interval) return rejected('unknown_channel', `candle channel ${channel}`);
      return mapCandles(symbol, interval, frame.data as OkxCandleRow[], context);
    }
    switch (channel) {
      case 'tickers':
        return mapTicker(symbol, frame.data[0] as OkxTicker, context);
      case 'trades':
        return mapTrades(symbol, frame.data as OkxTrade[], context);
      case 'books5':
        return mapBook(symbol, frame.data[0] as OkxBook, context);
      default:
        return rejected('unknown_channel', `channel ${channel}`);
    }
  },
};

function mapCandles(symbol: string, interval: Interval, rows: OkxCandleRow[], context: FrameContext): MapResult {
  const list: MappedRecord[] = [];
  for (const row of rows) {
    const openTime = Number(row[0]);
    // Candle pushes carry no event time; the receive time is the closest we have.
    const record: StandardKline = {
      exchange,
      symbol,
      interval,
      open_time: openTime,
      close_time: barCloseTime(interval, openTime),
      open: row[1],
      high: row[2],
      low: row[3],
      close: row[4],
      volume: row[5],
      quote_volume: row[6],
      trade_count: null,
      is_closed: row[8] === '1',
      event_time: context.recvTime,
      recv_time: context.recvTime,
    };
    list.push({ channel: 'kline', record });
  }
  return records(list);
}

function mapTicker(symbol: string, t: OkxTicker, context: FrameContext): MapResult {
  const ts = Number(t.ts);
  return records(
    [
      {
        channel: 'ticker',
        record: {
          exchange,
          symbol,
          last_price: t.last,
          last_quantity: t.lastSz,
          best_bid_price: t.bidPx,
          best_bid_quantity: t.bidSz,
          best_ask_price: t.askPx,
          best_ask_quantity: t.askSz,
          open_24h: t.open24h,
          high_24h: t.high24h,
          low_24h: t.low24h,
          volume_24h: t.vol24h,
          quote_volume_24h: t.volCcy24h,
          trade_count_24h: null,
          event_time: ts,
          recv_time: context.recvTime,
        },
      },
    ],
    ts,
  );
}

function mapTrades(symbol: string, trades: OkxTrade[], context: FrameContext): MapResult {
  let latest: number | undefined;
  const list: MappedRecord[] = trades.map((t) => {
    const ts = Number(t.ts);
    latest = ts;
    return {
      channel: 'trade',
      record: {
        exchange,
        symbol,
        trade_id: t.tradeId,
        price: t.px,
        quantity: t.sz,
        taker_side: t.side,
        trade_time: ts,
        event_time: ts,
        recv_time: context.recvTime,
      },
    };
  });
  return records(list, latest);
}

function mapBook(symbol: string, book: OkxBook, context: FrameContext): MapResult {
  const ts = Number(book.ts);
  const level = (l: string[]): [string, string] => [l[0] as string, l[1] as string];
  return records(
    [
      {
        channel: 'depth',
        record: {
          exchange,
          symbol,
          bids: book.bids.map(level),
          asks: book.asks.map(level),
          update_id: book.seqId === undefined ? null : String(book.seqId),
          event_time: ts,
          recv_time: context.recvTime,
        },
      },
    ],
    ts,
  );
}
