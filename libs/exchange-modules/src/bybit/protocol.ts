import { batchWithin } from '../batch.js';
import { fromNativeInterval, toNativeInterval } from '../facts.js';
import { klineStream, type ExchangeProtocol, type FrameClass, type StreamIdentity } from '../protocol.js';
import { integerAfter } from '../scan.js';
import { BybitBooks } from './book.js';
import { bybitFacts } from './facts.js';
import { parseTopic, topicOf, type BybitReply, type BybitRequest } from './wire.js';

const LIMITS = bybitFacts.limits;
const PUSH_PREFIX = '{"topic":"';

/**
 * Bybit v5 public spot: one endpoint for every topic, subscribes of at most 10 args, acks by `req_id`,
 * a client `{"op":"ping"}` keepalive, and no WebSocket kline history (hot standby instead).
 */
export const bybitProtocol: ExchangeProtocol = {
  exchange: 'bybit',
  streamKey(symbol, channel, interval) {
    return topicOf(channel, symbol.native, channel === 'kline' ? toNativeInterval('bybit', interval ?? '1m') : undefined);
  },
  streamOfKey: bybitStreamOfKey,
  endpointOf: () => 'url',
  connectUrl: (base) => base,
  subscribeRequests(keys, nextId) {
    const overhead = '{"op":"subscribe","args":[],"req_id":"0000000000"}'.length;
    return batchWithin(keys, LIMITS.maxStreamsPerSubscribe, LIMITS.maxSubscribeRequestBytes, (key) => key.length + 3, overhead).flatMap(
      (batch) => {
        const id = String(nextId());
        // Bybit refuses a whole subscribe that names a topic already subscribed ("error:already subscribed"),
        // so a stream resubscribed for its silence (or for a fresh book snapshot) is unsubscribed first.
        const unsubscribe: BybitRequest = { op: 'unsubscribe', args: batch };
        const subscribe: BybitRequest = { op: 'subscribe', args: batch, req_id: id };
        return [
          { keys: [], text: JSON.stringify(unsubscribe) },
          { id, keys: batch, text: JSON.stringify(subscribe) },
        ];
      },
    );
  },
  decode: (data) => data.toString('utf8'),
  classify: classifyBybitFrame,
  exchangeTimeOf: (text) => integerAfter(text, '"ts":'),
  clientPing: JSON.stringify({ op: 'ping' } satisfies BybitRequest),
  maxMessagesPerSecond: LIMITS.maxClientMessagesPerSecond,
  rotatesByAge: false,
  connectionFrames: () => new BybitBooks(),
};

export function classifyBybitFrame(text: string): FrameClass {
  if (text.startsWith(PUSH_PREFIX)) {
    const end = text.indexOf('"', PUSH_PREFIX.length);
    if (end > PUSH_PREFIX.length) return { kind: 'data', key: text.slice(PUSH_PREFIX.length, end) };
  }
  let reply: Partial<BybitReply>;
  try {
    reply = JSON.parse(text) as typeof reply;
  } catch {
    return { kind: 'unknown' };
  }
  // Replies to a request without req_id carry none, or an empty one.
  const id = reply.req_id || undefined;
  switch (reply.op) {
    case 'ping':
      return { kind: 'pong' };
    case 'subscribe':
      return reply.success === true ? { kind: 'ack', id } : { kind: 'error', id, detail: reply.ret_msg ?? 'subscribe refused' };
    case 'unsubscribe':
      // Answers the unsubscribe ahead of each subscribe; it names no stream to mark, succeeded or not.
      return { kind: 'ack' };
    default:
      return { kind: 'unknown' };
  }
}

function bybitStreamOfKey(key: string): StreamIdentity | undefined {
  const topic = parseTopic(key);
  if (!topic) return undefined;
  const symbol = bybitFacts.canonicalSymbol(topic.symbol);
  return topic.channel === 'kline'
    ? klineStream(symbol, fromNativeInterval('bybit', topic.interval ?? ''))
    : { symbol, channel: topic.channel };
}
