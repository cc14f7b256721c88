import { CANONICAL_SYMBOL, fromNativeInterval, type ExchangeId, type Interval } from '@klineflow/exchanges';
import type { MappedRecord, RecordChannel } from '@klineflow/exchange-modules';

/** What a raw frame's Kafka key says it carries: the ingest keys each frame by the stream it subscribed. */
export interface StreamIdentity {
  readonly symbol: string;
  readonly channel: RecordChannel;
  readonly interval?: Interval;
}

/**
 * Reads a native stream name (the ingest protocols' `streamKey`) back into its symbol, channel and
 * interval. Undefined for anything else, e.g. the connection id that keys frames the ingest could
 * not place on a subscribed stream.
 */
export function streamOfKey(exchange: ExchangeId, key: string): StreamIdentity | undefined {
  switch (exchange) {
    case 'binance':
      return binanceStream(key);
    case 'okx':
      return okxStream(key);
    case 'huobi':
      return huobiStream(key);
  }
}

/** A record belongs to the frame's stream when symbol, channel and (for klines) interval all agree. */
export function matchesStream(mapped: MappedRecord, stream: StreamIdentity): boolean {
  if (mapped.channel !== stream.channel || mapped.record.symbol !== stream.symbol) return false;
  return mapped.channel !== 'kline' || mapped.record.interval === stream.interval;
}

const NATIVE_SYMBOL = /^[a-z0-9]+$/;

/** `btcusdt@kline_1m`, `btcusdt@ticker`, `btcusdt@depth20@100ms`, `btcusdt@trade`. */
function binanceStream(key: string): StreamIdentity | undefined {
  const at = key.indexOf('@');
  const native = key.slice(0, at);
  if (at <= 0 || !NATIVE_SYMBOL.test(native)) return undefined;
  const symbol = CANONICAL_SYMBOL.binance(native);
  const rest = key.slice(at + 1);
  if (rest.startsWith('kline_')) return kline(symbol, fromNativeInterval('binance', rest.slice('kline_'.length)));
  if (rest === 'ticker') return { symbol, channel: 'ticker' };
  if (rest === 'trade') return { symbol, channel: 'trade' };
  return /^depth(5|10|20)(@\d+ms)?$/.test(rest) ? { symbol, channel: 'depth' } : undefined;
}

const OKX_CHANNELS = new Map<string, RecordChannel>([['tickers', 'ticker'], ['books5', 'depth'], ['trades', 'trade']]);

/** `candle1m:BTC-USDT`, `tickers:BTC-USDT`, `books5:BTC-USDT`, `trades:BTC-USDT`. */
function okxStream(key: string): StreamIdentity | undefined {
  const colon = key.indexOf(':');
  const channel = key.slice(0, colon);
  const instId = key.slice(colon + 1);
  if (colon <= 0 || !/^[A-Z0-9]+-[A-Z0-9]+$/.test(instId)) return undefined;
  const symbol = CANONICAL_SYMBOL.okx(instId);
  if (channel.startsWith('candle')) return kline(symbol, fromNativeInterval('okx', channel));
  const mapped = OKX_CHANNELS.get(channel);
  return mapped ? { symbol, channel: mapped } : undefined;
}

const HTX_TOPIC = /^market\.([a-z0-9]+)\.(?:kline\.([a-z0-9]+)|(ticker)|(depth)\.step0|(trade)\.detail)$/;

/** `market.btcusdt.kline.1min`, `.ticker`, `.depth.step0`, `.trade.detail`. */
function huobiStream(key: string): StreamIdentity | undefined {
  const match = HTX_TOPIC.exec(key);
  if (!match) return undefined;
  const symbol = CANONICAL_SYMBOL.huobi(match[1] as string);
  if (match[2] !== undefined) return kline(symbol, fromNativeInterval('huobi', match[2]));
  return { symbol, channel: match[3] ? 'ticker' : match[4] ? 'depth' : 'trade' };
}

function kline(symbol: string, interval: Interval | undefined): StreamIdentity | undefined {
  return interval ? { symbol, channel: 'kline', interval } : undefined;
}
