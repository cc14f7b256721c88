import { fromNativeInterval, toNativeInterval } from '../facts.js';
import { okxFacts } from './facts.js';
import type { OkxEvent } from './wire.js';
import { batchWithin } from '../batch.js';
import { klineStream, type ExchangeProtocol, type FrameClass, type StreamIdentity } from '../protocol.js';

const LIMITS = okxFacts.limits;
const PUSH_PREFIX = '{"arg":{"channel":"';
const INST_ID = '"instId":"';

/** Stream key `channel:instId`, e.g. `candle1m:BTC-USDT`: the same text as in every push's `arg`. */
export function okxKey(channel: string, instId: string): string {
  return `${channel}:${instId}`;
}

function argOf(key: string): { channel: string; instId: string } {
  const colon = key.indexOf(':');
  return { channel: key.slice(0, colon), instId: key.slice(colon + 1) };
}

/** OKX v5: candles on the business endpoint, the rest on public; args per request within 64 KB. */
export const okxProtocol: ExchangeProtocol = {
  exchange: 'okx',
  streamKey(symbol, channel, interval) {
    switch (channel) {
      case 'kline':
        return okxKey(toNativeInterval('okx', interval ?? '1m'), symbol.native);
      case 'ticker':
        return okxKey('tickers', symbol.native);
      case 'depth':
        return okxKey('books5', symbol.native);
      case 'trade':
        return okxKey('trades', symbol.native);
    }
  },
  streamOfKey: okxStreamOfKey,
  endpointOf: (channel) => (channel === 'kline' ? 'apiUrl' : 'url'),
  connectUrl: (base) => base,
  subscribeRequests(keys, nextId) {
    const overhead = '{"id":"0000000000","op":"subscribe","args":[]}'.length;
    const size = (key: string) => JSON.stringify(argOf(key)).length + 1;
    return batchWithin(keys, LIMITS.maxStreamsPerSubscribe, LIMITS.maxSubscribeRequestBytes, size, overhead).map((batch) => ({
      keys: batch,
      text: JSON.stringify({ id: String(nextId()), op: 'subscribe', args: batch.map(argOf) }),
    }));
  },
  decode: (data) => data.toString('utf8'),
  classify: classifyOkxFrame,
  clientPing: 'ping',
  maxMessagesPerSecond: LIMITS.maxClientMessagesPerSecond,
  maxSubscribeRequestsPerHour: 480,
  rotatesByAge: false,
};

export function classifyOkxFrame(text: string): FrameClass {
  if (text.startsWith(PUSH_PREFIX)) {
    const channelEnd = text.indexOf('"', PUSH_PREFIX.length);
    const instAt = text.indexOf(INST_ID, channelEnd);
    const instEnd = instAt < 0 ? -1 : text.indexOf('"', instAt + INST_ID.length);
    if (channelEnd > 0 && instEnd > 0)
      return { kind: 'data', key: okxKey(text.slice(PUSH_PREFIX.length, channelEnd), text.slice(instAt + INST_ID.length, instEnd)) };
  }
  if (text === 'pong') return { kind: 'pong' };
  let frame: Partial<OkxEvent>;
  try {
    frame = JSON.parse(text) as typeof frame;
  } catch {
    return { kind: 'unknown' };
  }
  const keys = frame.arg?.channel && frame.arg.instId ? [okxKey(frame.arg.channel, frame.arg.instId)] : undefined;
  switch (frame.event) {
    case 'subscribe':
    case 'unsubscribe':
      return { kind: 'ack', id: frame.id, keys };
    case 'error':
      return { kind: 'error', id: frame.id, keys, detail: `${frame.code ?? ''} ${frame.msg ?? ''}`.trim() };
    case 'notice':
      // 64008: the connection will close soon for a service upgrade.
      return frame.code === '64008' ? { kind: 'rotate', trigger: 'upgrade_notice' } : { kind: 'unknown' };
    default:
      return { kind: 'unknown' };
  }
}

const OKX_CHANNELS = new Map<string, StreamIdentity['channel']>([
  ['tickers', 'ticker'],
  ['books5', 'depth'],
  ['trades', 'trade'],
]);

/** `candle1m:BTC-USDT`, `tickers:BTC-USDT`, `books5:BTC-USDT`, `trades:BTC-USDT`. */
function okxStreamOfKey(key: string): StreamIdentity | undefined {
  if (key.indexOf(':') <= 0) return undefined;
  const { channel, instId } = argOf(key);
  if (!/^[A-Z0-9]+-[A-Z0-9]+$/.test(instId)) return undefined;
  const symbol = okxFacts.canonicalSymbol(instId);
  if (channel.startsWith('candle')) return klineStream(symbol, fromNativeInterval('okx', channel));
  const mapped = OKX_CHANNELS.get(channel);
  return mapped ? { symbol, channel: mapped } : undefined;
}
