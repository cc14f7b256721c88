import { barCloseTime, INTERVAL_MS, type Interval } from '@klineflow/exchanges';
import { fromNativeInterval } from '../facts.js';
import { binanceFacts } from './facts.js';
import type { BinanceDepthSnapshot, BinanceKlineEvent, BinanceKlineRow, BinanceTickerEvent, BinanceTradeEvent } from './wire.js';
import type { StandardKline } from '@klineflow/schemas';
import {
  backfillEventTime,
  control,
  parseJson,
  records,
  rejected,
  type FrameContext,
  type MappedRecord,
  type Mapper,
  type MapResult,
} from '../mapper.js';

type Frame = Record<string, unknown>;

const exchange = 'binance';

export const binanceMapper: Mapper = {
  exchange,
  barClosing: 'flagged', // kline `x`
  klineTradeCount: true, // kline `n`
  // `E` orders klines, tickers and trades; depth20 snapshots carry no time (the receive time stands in).
  ordering: { kline: 'event_time', ticker: 'event_time', depth: 'arrival', trade: 'event_time' },
  map(raw, context) {
    const frame = parseJson(raw) as Frame | undefined;
    if (!frame || typeof frame !== 'object') return rejected('unparseable', 'not a JSON object');
    if (typeof frame.stream === 'string') return mapStream(frame.stream, frame.data as Frame, context);
    if ('result' in frame || 'error' in frame || 'status' in frame) return mapApiResponse(frame, context);
    if (typeof frame.e === 'string') return mapEvent(frame, undefined, context);
    return rejected('unknown_channel', 'neither a stream event nor an API response');
  },
};

function mapStream(stream: string, data: Frame, context: FrameContext): MapResult {
  if (!data || typeof data !== 'object') return rejected('malformed', `stream ${stream} without data`);
  return mapEvent(data, stream, context);
}

function mapEvent(data: Frame, stream: string | undefined, context: FrameContext): MapResult {
  switch (data.e) {
    case 'kline':
      return mapKline(data as unknown as BinanceKlineEvent, context);
    case '24hrTicker':
      return mapTicker(data as unknown as BinanceTickerEvent, context);
    case 'trade':
      return mapTrade(data as unknown as BinanceTradeEvent, context);
    case 'serverShutdown':
      return control;
    case undefined:
      // depth20 snapshots carry no event type and no symbol: the stream name has both.
      if (stream && /^[a-z0-9]+@depth(5|10|20)(@\d+ms)?$/.test(stream) && 'lastUpdateId' in data) {
        return mapDepth(stream.slice(0, stream.indexOf('@')), data as unknown as BinanceDepthSnapshot, context);
      }
      return rejected('unknown_channel', `stream ${stream ?? '(none)'}`);
    default:
      return rejected('unknown_channel', `event ${String(data.e)} on stream ${stream ?? '(none)'}`);
  }
}

function mapKline(event: BinanceKlineEvent, context: FrameContext): MapResult {
  const k = event.k;
  const interval = fromNativeInterval(exchange, k.i);
  if (!interval) return rejected('unknown_channel', `kline interval ${String(k.i)}`);
  const record: StandardKline = {
    exchange,
    symbol: binanceFacts.canonicalSymbol(event.s),
    interval,
    open_time: k.t,
    close_time: barCloseTime(interval, k.t),
    open: k.o,
    high: k.h,
    low: k.l,
    close: k.c,
    volume: k.v,
    quote_volume: k.q,
    trade_count: k.n,
    is_closed: k.x === true,
    event_time: event.E,
    recv_time: context.recvTime,
  };
  return records([{ channel: 'kline', record }], event.E);
}

function mapTicker(event: BinanceTickerEvent, context: FrameContext): MapResult {
  return records(
    [
      {
        channel: 'ticker',
        record: {
          exchange,
          symbol: binanceFacts.canonicalSymbol(event.s),
          last_price: event.c,
          last_quantity: event.Q,
          best_bid_price: event.b,
          best_bid_quantity: event.B,
          best_ask_price: event.a,
          best_ask_quantity: event.A,
          open_24h: event.o,
          high_24h: event.h,
          low_24h: event.l,
          volume_24h: event.v,
          quote_volume_24h: event.q,
          trade_count_24h: event.n,
          event_time: event.E,
          recv_time: context.recvTime,
        },
      },
    ],
    event.E,
  );
}

function mapTrade(event: BinanceTradeEvent, context: FrameContext): MapResult {
  return records(
    [
      {
        channel: 'trade',
        record: {
          exchange,
          symbol: binanceFacts.canonicalSymbol(event.s),
          trade_id: String(event.t),
          price: event.p,
          quantity: event.q,
          // m: the buyer is the maker, so the aggressor sold.
          taker_side: event.m ? 'sell' : 'buy',
          trade_time: event.T,
          event_time: event.E,
          recv_time: context.recvTime,
        },
      },
    ],
    event.E,
  );
}

function mapDepth(nativeSymbol: string, snapshot: BinanceDepthSnapshot, context: FrameContext): MapResult {
  return records([
    {
      channel: 'depth',
      record: {
        exchange,
        symbol: binanceFacts.canonicalSymbol(nativeSymbol),
        bids: snapshot.bids,
        asks: snapshot.asks,
        update_id: String(snapshot.lastUpdateId),
        // depth20 has no exchange time.
        event_time: context.recvTime,
        recv_time: context.recvTime,
      },
    },
  ]);
}

/** WS-API replies: a klines result is backfill; acks and errors are control frames. */
function mapApiResponse(frame: Frame, context: FrameContext): MapResult {
  const backfill = context.backfill;
  if (!backfill || frame.status !== 200 || !Array.isArray(frame.result)) return control;
  const rows = frame.result as BinanceKlineRow[];
  const now = context.exchangeNow();
  const list: MappedRecord[] = [];
  for (const row of rows) {
    if (!Array.isArray(row)) return rejected('malformed', 'klines row is not an array');
    list.push({
      channel: 'kline',
      record: historyBar(backfill.symbol, backfill.interval, row, now, backfillEventTime(context), context.recvTime),
    });
  }
  return records(list);
}

function historyBar(
  symbol: string,
  interval: Interval,
  row: BinanceKlineRow,
  exchangeNow: number,
  eventTime: number,
  recvTime: number,
): StandardKline {
  const openTime = row[0];
  return {
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
    quote_volume: row[7],
    trade_count: row[8],
    // The last row may be the bar still forming.
    is_closed: openTime + INTERVAL_MS[interval] <= exchangeNow,
    event_time: eventTime,
    recv_time: recvTime,
  };
}
