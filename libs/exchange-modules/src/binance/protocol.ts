import { INTERVAL_MS } from '@klineflow/exchanges';
import { fromNativeInterval, toNativeInterval } from '../facts.js';
import { binanceFacts } from './facts.js';
import { batchWithin } from '../batch.js';
import {
  klineStream,
  type BackfillCodec,
  type BackfillReply,
  type ExchangeProtocol,
  type FrameClass,
  type StreamIdentity,
} from '../protocol.js';
import { integerAfter } from '../scan.js';

const LIMITS = binanceFacts.limits;
const STREAM_PREFIX = '{"stream":"';
/** WS-API: each klines request weighs 2 against 6000 per minute, i.e. one per 20 ms at most. */
const KLINES_WEIGHT = 2;
const WEIGHT_PER_MINUTE = 6000;

/** Binance spot: combined streams (`/stream`, every event wrapped with its stream name), SUBSCRIBE by id. */
export const binanceProtocol: ExchangeProtocol = {
  exchange: 'binance',
  streamKey(symbol, channel, interval) {
    switch (channel) {
      case 'kline':
        return `${symbol.native}@kline_${toNativeInterval('binance', interval ?? '1m')}`;
      case 'ticker':
        return `${symbol.native}@ticker`;
      case 'depth':
        return `${symbol.native}@depth20@100ms`;
      case 'trade':
        return `${symbol.native}@trade`;
    }
  },
  streamOfKey: binanceStreamOfKey,
  endpointOf: () => 'url',
  connectUrl(base) {
    const trimmed = base.replace(/\/+$/, '');
    if (trimmed.endsWith('/stream')) return trimmed;
    return `${trimmed.replace(/\/ws$/, '')}/stream`;
  },
  subscribeRequests(keys, nextId) {
    const overhead = '{"method":"SUBSCRIBE","params":[],"id":0000000000}'.length;
    return batchWithin(keys, LIMITS.maxStreamsPerSubscribe, LIMITS.maxSubscribeRequestBytes, (key) => key.length + 3, overhead).map(
      (batch) => {
        const id = String(nextId());
        return { id, keys: batch, text: JSON.stringify({ method: 'SUBSCRIBE', params: batch, id: Number(id) }) };
      },
    );
  },
  decode: (data) => data.toString('utf8'),
  classify: classifyBinanceFrame,
  // Event time of trades, klines and tickers; the partial book has none.
  exchangeTimeOf: (text) => integerAfter(text, '"E":'),
  // 5 client messages per second close the connection; pongs count too, so keep one spare.
  maxMessagesPerSecond: LIMITS.maxClientMessagesPerSecond - 1,
  rotatesByAge: true,
  backfill: binanceKlinesCodec(),
};

export function classifyBinanceFrame(text: string): FrameClass {
  if (text.startsWith(STREAM_PREFIX)) {
    const end = text.indexOf('"', STREAM_PREFIX.length);
    if (end > STREAM_PREFIX.length) return { kind: 'data', key: text.slice(STREAM_PREFIX.length, end) };
  }
  // Everything else is rare (acks, errors, notices, API replies): a full parse is fine.
  let frame: Record<string, unknown>;
  try {
    frame = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { kind: 'unknown' };
  }
  if (frame.e === 'serverShutdown') return { kind: 'rotate', trigger: 'server_shutdown' };
  const id = frame.id === undefined || frame.id === null ? undefined : String(frame.id);
  if ('status' in frame && id !== undefined) return { kind: 'response', id };
  if ('error' in frame) return { kind: 'error', id, detail: JSON.stringify(frame.error) };
  if ('result' in frame) return { kind: 'ack', id };
  return { kind: 'unknown' };
}

function binanceKlinesCodec(): BackfillCodec {
  return {
    maxBarsPerRequest: 1000,
    minRequestSpacingMs: Math.ceil(60_000 / (WEIGHT_PER_MINUTE / KLINES_WEIGHT)),
    spacingPer: 'ip',
    buildRequest(range, id) {
      const limit = Math.floor((range.endMs - range.startMs) / INTERVAL_MS[range.interval]) + 1;
      return JSON.stringify({
        id,
        method: 'klines',
        params: {
          symbol: range.symbol.canonical,
          interval: toNativeInterval('binance', range.interval),
          startTime: range.startMs,
          endTime: range.endMs,
          limit,
        },
      });
    },
    parseReply(text): BackfillReply {
      let reply: { status?: number; result?: unknown[]; error?: { code?: number; msg?: string; data?: { retryAfter?: number } } };
      try {
        reply = JSON.parse(text) as typeof reply;
      } catch {
        return { kind: 'failed', detail: 'reply is not JSON' };
      }
      const detail = `${reply.status} ${reply.error?.code ?? ''} ${reply.error?.msg ?? ''}`.trim();
      const retryAt = reply.error?.data?.retryAfter;
      switch (reply.status) {
        case 200:
          return { kind: 'ok', bars: Array.isArray(reply.result) ? reply.result.length : 0 };
        case 429:
          return { kind: 'retry', afterMs: retryAt ? Math.max(0, retryAt - Date.now()) : 1000, detail };
        case 418:
          return { kind: 'banned', untilMs: retryAt ?? Date.now() + 60_000, detail };
        default:
          return { kind: 'failed', detail };
      }
    },
  };
}

const NATIVE_SYMBOL = /^[a-z0-9]+$/;

/** `btcusdt@kline_1m`, `btcusdt@ticker`, `btcusdt@depth20@100ms`, `btcusdt@trade`. */
function binanceStreamOfKey(key: string): StreamIdentity | undefined {
  const at = key.indexOf('@');
  const native = key.slice(0, at);
  if (at <= 0 || !NATIVE_SYMBOL.test(native)) return undefined;
  const symbol = binanceFacts.canonicalSymbol(native);
  const rest = key.slice(at + 1);
  if (rest.startsWith('kline_')) return klineStream(symbol, fromNativeInterval('binance', rest.slice('kline_'.length)));
  if (rest === 'ticker') return { symbol, channel: 'ticker' };
  if (rest === 'trade') return { symbol, channel: 'trade' };
  return /^depth(5|10|20)(@\d+ms)?$/.test(rest) ? { symbol, channel: 'depth' } : undefined;
}
