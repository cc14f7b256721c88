import { gunzipSync } from 'node:zlib';
import { INTERVAL_MS } from '@klineflow/exchanges';
import { fromNativeInterval, toNativeInterval } from '../facts.js';
import { huobiFacts } from './facts.js';
import type { HuobiHistoryReply, HuobiReply } from './wire.js';
import {
  FrameDecodeError,
  klineStream,
  type BackfillReply,
  type ExchangeProtocol,
  type FrameClass,
  type StreamIdentity,
} from '../protocol.js';
import { integerAfter } from '../scan.js';

/**
 * Largest inflated frame we accept. A full 300-bar history reply is ~60 KB and a step0
 * book ~20 KB; anything near this cap is a decompression bomb, rejected before it is expanded.
 */
export const MAX_INFLATED_BYTES = 4 * 1024 * 1024;
const PUSH_PREFIX = '{"ch":"';
const PING_PREFIX = '{"ping":';

export function inflateHuobiFrame(data: Buffer): string {
  try {
    return gunzipSync(data, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FrameDecodeError('decompression_bomb', `frame inflates beyond ${MAX_INFLATED_BYTES} bytes`);
    }
    throw new FrameDecodeError('corrupt_frame', (error as Error).message);
  }
}

/** HTX spot: gzip binary frames, one `sub` per topic, `{"ping":ts}` answered with `{"pong":ts}`. */
export const huobiProtocol: ExchangeProtocol = {
  exchange: 'huobi',
  streamKey(symbol, channel, interval) {
    switch (channel) {
      case 'kline':
        return `market.${symbol.native}.kline.${toNativeInterval('huobi', interval ?? '1m')}`;
      case 'ticker':
        return `market.${symbol.native}.ticker`;
      case 'depth':
        return `market.${symbol.native}.depth.step0`;
      case 'trade':
        return `market.${symbol.native}.trade.detail`;
    }
  },
  streamOfKey: huobiStreamOfKey,
  endpointOf: () => 'url',
  connectUrl: (base) => base,
  subscribeRequests: (keys, nextId) =>
    keys.map((topic) => {
      const id = String(nextId());
      return { id, keys: [topic], text: JSON.stringify({ sub: topic, id }) };
    }),
  decode: (data, isBinary) => (isBinary ? inflateHuobiFrame(data) : data.toString('utf8')),
  classify: classifyHuobiFrame,
  exchangeTimeOf: (text) => integerAfter(text, '"ts":'),
  maxMessagesPerSecond: huobiFacts.limits.maxClientMessagesPerSecond,
  rotatesByAge: false,
  backfill: {
    maxBarsPerRequest: 300,
    // The limit is one request per 100 ms per connection; a little slack keeps clock jitter from tripping it.
    minRequestSpacingMs: 120,
    spacingPer: 'connection',
    buildRequest(range, id) {
      const topic = `market.${range.symbol.native}.kline.${toNativeInterval('huobi', range.interval)}`;
      // HTX wants seconds; `to` covers the whole last bar.
      const to = Math.floor((range.endMs + INTERVAL_MS[range.interval] - 1) / 1000);
      return JSON.stringify({ req: topic, id, from: Math.floor(range.startMs / 1000), to });
    },
    parseReply(text): BackfillReply {
      let reply: Partial<HuobiReply> & Partial<Pick<HuobiHistoryReply, 'rep' | 'data'>>;
      try {
        reply = JSON.parse(text) as typeof reply;
      } catch {
        return { kind: 'failed', detail: 'reply is not JSON' };
      }
      if (reply.status === 'ok') return { kind: 'ok', bars: Array.isArray(reply.data) ? reply.data.length : 0 };
      const detail = `${reply['err-code'] ?? ''} ${reply['err-msg'] ?? ''}`.trim();
      // HTX reports throttling under several codes (and sometimes only in the message): all of it is worth a retry.
      if (/too.?many|limit|frequen/i.test(detail)) return { kind: 'retry', afterMs: 1000, detail };
      return { kind: 'failed', detail };
    },
  },
};

export function classifyHuobiFrame(text: string): FrameClass {
  if (text.startsWith(PUSH_PREFIX)) {
    const end = text.indexOf('"', PUSH_PREFIX.length);
    if (end > PUSH_PREFIX.length) return { kind: 'data', key: text.slice(PUSH_PREFIX.length, end) };
  }
  if (text.startsWith(PING_PREFIX)) {
    // Echo the literal: ts is an integer we must not round-trip through a float.
    const end = text.indexOf('}', PING_PREFIX.length);
    return { kind: 'ping', reply: `{"pong":${text.slice(PING_PREFIX.length, end).trim()}}` };
  }
  let frame: Partial<HuobiReply> & Partial<Pick<HuobiHistoryReply, 'rep' | 'data'>>;
  try {
    frame = JSON.parse(text) as typeof frame;
  } catch {
    return { kind: 'unknown' };
  }
  const id = frame.id === undefined || frame.id === null ? undefined : String(frame.id);
  if (frame.rep !== undefined && id !== undefined) return { kind: 'response', id };
  if (frame.status === 'ok' && (frame.subbed ?? frame.unsubbed))
    return { kind: 'ack', id, keys: [(frame.subbed ?? frame.unsubbed) as string] };
  if (frame.status === 'error') return { kind: 'error', id, detail: `${frame['err-code'] ?? ''} ${frame['err-msg'] ?? ''}`.trim() };
  return { kind: 'unknown' };
}

const TOPIC = /^market\.([a-z0-9]+)\.(?:kline\.([a-z0-9]+)|(ticker)|(depth)\.step0|(trade)\.detail)$/;

/** `market.btcusdt.kline.1min`, `.ticker`, `.depth.step0`, `.trade.detail`. */
function huobiStreamOfKey(key: string): StreamIdentity | undefined {
  const match = TOPIC.exec(key);
  if (!match) return undefined;
  const symbol = huobiFacts.canonicalSymbol(match[1] as string);
  if (match[2] !== undefined) return klineStream(symbol, fromNativeInterval('huobi', match[2]));
  return { symbol, channel: match[3] ? 'ticker' : match[4] ? 'depth' : 'trade' };
}
