import type { Channel, ExchangeId, Interval, ResolvedSymbol } from '@klineflow/exchanges';

/** Which resolved URL a stream lives on: `url`, or `apiUrl` (OKX business endpoint for candles). */
export type Endpoint = 'url' | 'apiUrl';

/** One exchange stream: what to subscribe to and the Kafka key its frames carry. */
export interface StreamSpec {
  /** Native stream name, e.g. `btcusdt@kline_1m`, `candle1m:BTC-USDT`, `market.btcusdt.kline.1min`. */
  readonly key: string;
  readonly symbol: ResolvedSymbol;
  readonly channel: Channel;
  readonly interval?: Interval;
  readonly endpoint: Endpoint;
}

/** What a stream key names: the ingest keys each raw frame by the stream it subscribed. */
export interface StreamIdentity {
  /** Canonical symbol, e.g. BTCUSDT. */
  readonly symbol: string;
  readonly channel: Channel;
  readonly interval?: Interval;
}

/** A kline stream, where the native interval was one of ours. */
export function klineStream(symbol: string, interval: Interval | undefined): StreamIdentity | undefined {
  return interval ? { symbol, channel: 'kline', interval } : undefined;
}

/** A client message ready for the wire, with the streams it subscribes (for ack tracking). */
export interface OutgoingRequest {
  readonly text: string;
  /** Request id the exchange echoes in its ack, when it acks per request (Binance). */
  readonly id?: string;
  readonly keys: readonly string[];
}

export type RotationTrigger = 'age' | 'server_shutdown' | 'upgrade_notice';

/** What a received frame is, decided by a cheap scan of its text. */
export type FrameClass =
  | { readonly kind: 'data'; readonly key: string }
  | { readonly kind: 'ping'; readonly reply: string }
  | { readonly kind: 'pong' }
  | { readonly kind: 'ack'; readonly id?: string; readonly keys?: readonly string[] }
  | { readonly kind: 'error'; readonly detail: string; readonly id?: string; readonly keys?: readonly string[] }
  | { readonly kind: 'rotate'; readonly trigger: RotationTrigger }
  | { readonly kind: 'response'; readonly id: string }
  | { readonly kind: 'unknown' };

/** A frame that could not be turned into text (HTX: corrupt gzip or a decompression bomb). */
export class FrameDecodeError extends Error {
  constructor(
    readonly reason: 'decompression_bomb' | 'corrupt_frame',
    message: string,
  ) {
    super(message);
  }
}

export interface KlineRange {
  readonly symbol: ResolvedSymbol;
  readonly interval: Interval;
  /** Open times in ms, both inclusive. */
  readonly startMs: number;
  readonly endMs: number;
}

export type BackfillReply =
  | { readonly kind: 'ok'; readonly bars: number }
  | { readonly kind: 'retry'; readonly afterMs: number; readonly detail: string }
  /** The exchange banned us (Binance 418): stop and alert until `untilMs`. */
  | { readonly kind: 'banned'; readonly untilMs: number; readonly detail: string }
  | { readonly kind: 'failed'; readonly detail: string };

/** Kline history over the exchange's WebSocket request API. */
export interface BackfillCodec {
  readonly maxBarsPerRequest: number;
  /** Minimum spacing of requests (a weight budget per IP, or a rate per connection). */
  readonly minRequestSpacingMs: number;
  /** Whether that spacing binds all requests from this IP (Binance weight) or each connection (HTX): more connections, more throughput. */
  readonly spacingPer: 'ip' | 'connection';
  buildRequest(range: KlineRange, id: string): string;
  parseReply(text: string): BackfillReply;
}

/**
 * Everything the shared runtime needs to know about one exchange. Each ingest app
 * implements this in its own folder; the runtime does the rest.
 */
export interface ExchangeProtocol {
  readonly exchange: ExchangeId;
  streamKey(symbol: ResolvedSymbol, channel: Channel, interval?: Interval): string;
  /**
   * The inverse of `streamKey`: symbol, channel and interval of a native stream name. Undefined for
   * anything else, e.g. the connection id that keys frames the ingest could not place on a stream.
   */
  streamOfKey(key: string): StreamIdentity | undefined;
  endpointOf(channel: Channel): Endpoint;
  /** URL to open for a resolved base URL (Binance appends `/stream` for the combined wrapper). */
  connectUrl(base: string): string;
  /** Subscribe requests for `keys`, batched within the exchange's per-request limits. */
  subscribeRequests(keys: readonly string[], nextId: () => number): OutgoingRequest[];
  /** Frame text exactly as the exchange meant it (HTX: gunzip with a size cap). */
  decode(data: Buffer, isBinary: boolean): string;
  classify(text: string): FrameClass;
  /** Exchange time of a data frame by string scan (no parse), where the frame carries one; only read around outages. */
  exchangeTimeOf?(text: string): number | undefined;
  /**
   * Client-initiated keepalive text (OKX `ping`), sent when either direction has been idle for the ping
   * interval, and the liveness probe of a quiet connection. Without one the probe is a WebSocket ping
   * frame, which every server must answer (RFC 6455 §5.5.2).
   */
  readonly clientPing?: string;
  /** Budget for all client messages per second per connection. */
  readonly maxMessagesPerSecond: number;
  /** Extra cap on subscribe requests per hour per connection (OKX 480). */
  readonly maxSubscribeRequestsPerHour?: number;
  /** Whether the exchange rotates connections at a fixed age (Binance 24 h). */
  readonly rotatesByAge: boolean;
  readonly backfill?: BackfillCodec;
  /**
   * State each connection keeps over its data frames, for streams whose frames mean nothing alone
   * (Bybit's order-book deltas, which the connection's local book turns into snapshots). Without it
   * every data frame is published as it came.
   */
  connectionFrames?(): ConnectionFrames;
}

export interface ConnectionFrames {
  /** The text to publish for a data frame of stream `key`, or undefined to publish none (and count no data for the stream). */
  publishable(key: string, text: string): string | undefined;
}
