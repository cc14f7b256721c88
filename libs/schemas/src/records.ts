import type { FromSchema } from 'json-schema-to-ts';
import { EXCHANGE_IDS, INTERVALS } from '@klineflow/exchanges';

/**
 * JSON Schemas of every record klineflow puts on Kafka. They are the single source of
 * truth: the TypeScript types below are derived from them, and ajv validates against them.
 */

/** A decimal exactly as an exchange wrote it (HTX may use exponents: 9.2E-7). Never a JS number. */
const nonNegativeDecimal = { type: 'string', pattern: '^(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' } as const;
const epochMs = { type: 'integer', minimum: 0 } as const;
const exchange = { type: 'string', enum: EXCHANGE_IDS } as const;
const symbol = { type: 'string', pattern: '^[A-Z0-9]+$' } as const;
const interval = { type: 'string', enum: INTERVALS } as const;
/** A decimal that some exchange does not publish at all (Bybit spot tickers: no sizes, bid or ask). */
const optionalDecimal = { type: ['string', 'null'], pattern: nonNegativeDecimal.pattern } as const;
const priceLevel = { type: 'array', items: [nonNegativeDecimal, nonNegativeDecimal], minItems: 2, maxItems: 2 } as const;

export const standardKlineSchema = {
  $id: 'StandardKline',
  type: 'object',
  additionalProperties: false,
  required: [
    'exchange',
    'symbol',
    'interval',
    'open_time',
    'close_time',
    'open',
    'high',
    'low',
    'close',
    'volume',
    'quote_volume',
    'trade_count',
    'is_closed',
    'event_time',
    'recv_time',
  ],
  properties: {
    exchange,
    symbol,
    interval,
    open_time: epochMs,
    close_time: epochMs,
    open: nonNegativeDecimal,
    high: nonNegativeDecimal,
    low: nonNegativeDecimal,
    close: nonNegativeDecimal,
    /** Base-asset volume on every exchange. */
    volume: nonNegativeDecimal,
    /** Quote-asset volume on every exchange. */
    quote_volume: nonNegativeDecimal,
    trade_count: { type: ['integer', 'null'], minimum: 0 },
    is_closed: { type: 'boolean' },
    event_time: epochMs,
    recv_time: epochMs,
  },
} as const;
export type StandardKline = FromSchema<typeof standardKlineSchema>;

export const standardTickerSchema = {
  $id: 'StandardTicker',
  type: 'object',
  additionalProperties: false,
  required: [
    'exchange',
    'symbol',
    'last_price',
    'last_quantity',
    'best_bid_price',
    'best_bid_quantity',
    'best_ask_price',
    'best_ask_quantity',
    'open_24h',
    'high_24h',
    'low_24h',
    'volume_24h',
    'quote_volume_24h',
    'trade_count_24h',
    'event_time',
    'recv_time',
  ],
  properties: {
    exchange,
    symbol,
    last_price: nonNegativeDecimal,
    /** Null where the exchange's ticker has no last size, best bid or ask (Bybit spot). */
    last_quantity: optionalDecimal,
    best_bid_price: optionalDecimal,
    best_bid_quantity: optionalDecimal,
    best_ask_price: optionalDecimal,
    best_ask_quantity: optionalDecimal,
    open_24h: nonNegativeDecimal,
    high_24h: nonNegativeDecimal,
    low_24h: nonNegativeDecimal,
    /** Rolling 24 h base-asset volume. */
    volume_24h: nonNegativeDecimal,
    /** Rolling 24 h quote-asset volume. */
    quote_volume_24h: nonNegativeDecimal,
    trade_count_24h: { type: ['integer', 'null'], minimum: 0 },
    event_time: epochMs,
    recv_time: epochMs,
  },
} as const;
export type StandardTicker = FromSchema<typeof standardTickerSchema>;

export const standardDepthSchema = {
  $id: 'StandardDepth',
  type: 'object',
  additionalProperties: false,
  required: ['exchange', 'symbol', 'bids', 'asks', 'update_id', 'event_time', 'recv_time'],
  properties: {
    exchange,
    symbol,
    /** Best first: bids descending, asks ascending, each [price, quantity]. */
    bids: { type: 'array', items: priceLevel, maxItems: 20 },
    asks: { type: 'array', items: priceLevel, maxItems: 20 },
    /** Exchange book sequence (Binance lastUpdateId, OKX seqId, HTX version) as a string: it may exceed 2^53. */
    update_id: { type: ['string', 'null'], pattern: '^[0-9]+$' },
    /** Exchange time of the snapshot; Binance depth20 carries none, so receive time stands in. */
    event_time: epochMs,
    recv_time: epochMs,
  },
} as const;
export type StandardDepth = FromSchema<typeof standardDepthSchema>;

export const standardTradeSchema = {
  $id: 'StandardTrade',
  type: 'object',
  additionalProperties: false,
  required: ['exchange', 'symbol', 'trade_id', 'price', 'quantity', 'taker_side', 'trade_time', 'event_time', 'recv_time'],
  properties: {
    exchange,
    symbol,
    /** Up to 27 digits on HTX: always a string. */
    trade_id: { type: 'string', minLength: 1 },
    price: nonNegativeDecimal,
    /** Base-asset quantity. */
    quantity: nonNegativeDecimal,
    /** Side of the aggressor (taker). */
    taker_side: { type: 'string', enum: ['buy', 'sell'] },
    trade_time: epochMs,
    event_time: epochMs,
    recv_time: epochMs,
  },
} as const;
export type StandardTrade = FromSchema<typeof standardTradeSchema>;

/** A hole in the closed bars of one stream: bars with open_time in [from_open_time, to_open_time] are missing. */
export const klineGapSchema = {
  $id: 'KlineGap',
  type: 'object',
  additionalProperties: false,
  required: ['exchange', 'symbol', 'interval', 'from_open_time', 'to_open_time', 'missing_bars', 'status', 'detected_at', 'backfillable'],
  properties: {
    exchange,
    symbol,
    interval,
    from_open_time: epochMs,
    to_open_time: epochMs,
    missing_bars: { type: 'integer', minimum: 1 },
    /** `open` when detected, `filled` once every missing bar has arrived. */
    status: { type: 'string', enum: ['open', 'filled'] },
    detected_at: epochMs,
    /** False for exchanges without a WebSocket history API (OKX): the gap can only be reported. */
    backfillable: { type: 'boolean' },
  },
} as const;
export type KlineGap = FromSchema<typeof klineGapSchema>;

/** Ask the ingest app of `exchange` to fetch bars with open_time in [start_time, end_time] over its WebSocket API. */
export const backfillRequestSchema = {
  $id: 'BackfillRequest',
  type: 'object',
  additionalProperties: false,
  required: ['exchange', 'symbol', 'interval', 'start_time', 'end_time', 'reason', 'requested_at'],
  properties: {
    exchange,
    symbol,
    interval,
    start_time: epochMs,
    end_time: epochMs,
    reason: { type: 'string', enum: ['gap', 'outage'] },
    requested_at: epochMs,
  },
} as const;
export type BackfillRequest = FromSchema<typeof backfillRequestSchema>;

export const deadLetterSchema = {
  $id: 'DeadLetter',
  type: 'object',
  additionalProperties: false,
  required: ['service', 'reason', 'detail', 'source_topic', 'source_partition', 'source_offset', 'raw', 'failed_at'],
  properties: {
    service: { type: 'string' },
    exchange: { type: ['string', 'null'] },
    /** Machine-readable class: unparseable, schema, structure, unknown_channel, sanity_price, sanity_volume… */
    reason: { type: 'string' },
    detail: { type: 'string' },
    source_topic: { type: 'string' },
    source_partition: { type: 'integer' },
    source_offset: { type: 'string' },
    /** The frame exactly as received. */
    raw: { type: 'string' },
    failed_at: epochMs,
  },
} as const;
export type DeadLetter = FromSchema<typeof deadLetterSchema>;
