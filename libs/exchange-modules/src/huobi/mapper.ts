import { barCloseTime, INTERVAL_MS, type Interval } from '@klineflow/exchanges';
import { fromNativeInterval } from '../facts.js';
import { huobiFacts } from './facts.js';
import type { HuobiDepthTick, HuobiHistoryReply, HuobiKlineTick, HuobiPush, HuobiTickerTick, HuobiTradeTick } from './wire.js';
import type { StandardKline } from '@klineflow/schemas';
import { parseWithNumberLiterals } from './literal-json.js';
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

type Frame = Partial<HuobiPush & HuobiHistoryReply> & { status?: string; data?: unknown };

const exchange = 'huobi';
const DEPTH_LEVELS = 20;
const TOPIC = /^market\.([a-z0-9]+)\.(kline\.([a-z0-9]+)|ticker|depth\.step0|trade\.detail)$/;

export const huobiMapper: Mapper = {
  exchange,
  // No closed flag on any kline push.
  barClosing: 'inferred',
  klineTradeCount: true, // tick `count`
  // Daily bars reportedly roll over at 16:00 UTC (midnight UTC+8).
  dailyBarUtcOffsetMs: 8 * 3_600_000,
  // Every push carries `ts` (depth its own `tick.ts`).
  ordering: { kline: 'event_time', ticker: 'event_time', depth: 'event_time', trade: 'event_time' },
  map(raw, context) {
    const frame = parseJson(raw, parseWithNumberLiterals) as Frame | undefined;
    if (!frame || typeof frame !== 'object') return rejected('unparseable', 'not a JSON object');
    if (typeof frame.rep === 'string') return frame.status === 'ok' ? mapHistory(frame.rep, frame.data, context) : control;
    if (typeof frame.ch !== 'string') return isControl(frame) ? control : rejected('unknown_channel', 'no ch, rep or control field');
    const topic = TOPIC.exec(frame.ch);
    if (!topic) return rejected('unknown_channel', `topic ${frame.ch}`);
    const symbol = huobiFacts.canonicalSymbol(topic[1] as string);
    const ts = Number(frame.ts);
    const channel = topic[2] as string;
    if (topic[3] !== undefined) {
      const interval = fromNativeInterval(exchange, topic[3]);
      if (!interval) return rejected('unknown_channel', `kline period ${topic[3]}`);
      // HTX has no closed flag: the pipeline closes a bar when the next one starts or its time is up.
      const bar = klineFromTick(symbol, interval, frame.tick as HuobiKlineTick, false, ts, context.recvTime);
      return records([{ channel: 'kline', record: bar }], ts);
    }
    if (channel === 'ticker') return mapTicker(symbol, frame.tick as HuobiTickerTick, ts, context);
    if (channel === 'depth.step0') return mapDepth(symbol, frame.tick as HuobiDepthTick, ts, context);
    return mapTrades(symbol, frame.tick as HuobiTradeTick, ts, context);
  },
};

/**
 * An integer field from its literal. `null` must not become 0 (Number(null) is 0, a count that would
 * pass every check): anything but a literal is NaN, which the schema rejects.
 */
function integerOf(literal: unknown): number {
  return typeof literal === 'string' ? Number(literal) : NaN;
}

function isControl(frame: object): boolean {
  return (
    'ping' in frame ||
    'pong' in frame ||
    'subbed' in frame ||
    'unsubbed' in frame ||
    'status' in frame ||
    'action' in frame ||
    'op' in frame
  );
}

function klineFromTick(
  symbol: string,
  interval: Interval,
  tick: HuobiKlineTick,
  isClosed: boolean,
  eventTime: number,
  recvTime: number,
): StandardKline {
  const openTime = Number(tick.id) * 1000; // tick.id is the open time in SECONDS
  return {
    exchange,
    symbol,
    interval,
    open_time: openTime,
    close_time: barCloseTime(interval, openTime),
    open: tick.open,
    high: tick.high,
    low: tick.low,
    close: tick.close,
    volume: tick.amount, // amount = BASE
    quote_volume: tick.vol, // vol = QUOTE
    trade_count: integerOf(tick.count),
    is_closed: isClosed,
    event_time: eventTime,
    recv_time: recvTime,
  };
}

/** `req` reply: history bars. Bars whose interval is over on the exchange's clock are closed. */
function mapHistory(rep: string, data: unknown, context: FrameContext): MapResult {
  const topic = TOPIC.exec(rep);
  const interval = topic?.[3] === undefined ? undefined : fromNativeInterval(exchange, topic[3]);
  if (!topic || !interval) return rejected('unknown_channel', `rep ${rep}`);
  if (!Array.isArray(data)) return rejected('malformed', 'rep without data[]');
  const symbol = huobiFacts.canonicalSymbol(topic[1] as string);
  const now = context.exchangeNow();
  const list: MappedRecord[] = (data as HuobiKlineTick[]).map((tick) => {
    const openTime = Number(tick.id) * 1000;
    const bar = klineFromTick(
      symbol,
      interval,
      tick,
      openTime + INTERVAL_MS[interval] <= now,
      backfillEventTime(context),
      context.recvTime,
    );
    return { channel: 'kline', record: bar };
  });
  return records(list);
}

function mapTicker(symbol: string, tick: HuobiTickerTick, ts: number, context: FrameContext): MapResult {
  return records(
    [
      {
        channel: 'ticker',
        record: {
          exchange,
          symbol,
          last_price: tick.lastPrice ?? tick.close,
          last_quantity: tick.lastSize,
          best_bid_price: tick.bid,
          best_bid_quantity: tick.bidSize,
          best_ask_price: tick.ask,
          best_ask_quantity: tick.askSize,
          open_24h: tick.open,
          high_24h: tick.high,
          low_24h: tick.low,
          volume_24h: tick.amount,
          quote_volume_24h: tick.vol,
          trade_count_24h: integerOf(tick.count),
          event_time: ts,
          recv_time: context.recvTime,
        },
      },
    ],
    ts,
  );
}

function mapDepth(symbol: string, tick: HuobiDepthTick, ts: number, context: FrameContext): MapResult {
  return records(
    [
      {
        channel: 'depth',
        record: {
          exchange,
          symbol,
          bids: tick.bids.slice(0, DEPTH_LEVELS),
          asks: tick.asks.slice(0, DEPTH_LEVELS),
          update_id: tick.version,
          event_time: Number(tick.ts ?? ts),
          recv_time: context.recvTime,
        },
      },
    ],
    ts,
  );
}

function mapTrades(symbol: string, tick: HuobiTradeTick, ts: number, context: FrameContext): MapResult {
  const list: MappedRecord[] = tick.data.map((t) => ({
    channel: 'trade',
    record: {
      exchange,
      symbol,
      trade_id: t.id, // up to 27 digits: kept as the exact literal
      price: t.price,
      quantity: t.amount,
      taker_side: t.direction,
      trade_time: Number(t.ts),
      event_time: ts,
      recv_time: context.recvTime,
    },
  }));
  return records(list, ts);
}
