// One fetched Kafka record (message format v2) decoded into the object kafkajs 2.2.4 hands consumers.
//
// kafkajs computes each record's offset and timestamp with two chains of Long objects and builds its
// headers by re-spreading an object per header; in the normalizer that was most of the fetch-side
// cost. This decoder reads the same fields straight from the buffer, with plain numbers while they
// are safe integers (offsets and millisecond timestamps always are), and returns the same object,
// except that header values are UTF-8 strings rather than Buffers: every klineflow header is text,
// kafkajs' IHeaders allows strings, and a Buffer per header value was a tenth of the normalizer's
// CPU (four headers on every raw frame, each a Buffer allocated and then decoded).
// record-codec.test.ts checks it against kafkajs' own decoder.

/** kafkajs' Decoder, as far as a record decoder uses it. */
export interface RecordDecoderInput {
  buffer: Buffer;
  offset: number;
}

export interface BatchContext {
  readonly firstOffset: string;
  readonly firstTimestamp: string;
  readonly maxTimestamp?: string;
  readonly magicByte?: number;
  readonly isControlBatch?: boolean;
  readonly timestampType?: number;
}

type HeaderValue = string | null;

export interface DecodedRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, HeaderValue | HeaderValue[]>;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

/** A record as kafkajs' own decoder returns it: header values are Buffers. */
export type KafkajsDecodedRecord = Omit<DecodedRecord, 'headers'> & { headers: Record<string, Buffer | null | (Buffer | null)[]> };

/** kafkajs' decoded record with its header values as text, as `decodeRecord` returns them. */
export function withTextHeaders(record: KafkajsDecodedRecord): DecodedRecord {
  const text = (value: Buffer | null) => (value === null ? null : value.toString('utf8'));
  const headers = Object.fromEntries(
    Object.entries(record.headers).map(([name, value]) => [name, Array.isArray(value) ? value.map(text) : text(value)]),
  );
  return { ...record, headers };
}

/** kafkajs' TimestampTypes.LOG_APPEND_TIME. */
const LOG_APPEND_TIME = 1;

/** Thrown where a plain number could lose precision: the caller falls back to kafkajs' decoder. */
export class UnsafeNumber extends Error {}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public at: number,
  ) {}

  /** A zigzag varint or varlong, as a number; UnsafeNumber past 2^53. */
  signed(): number {
    let unsigned = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = this.buf[this.at++]!;
      unsigned += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    if (unsigned > Number.MAX_SAFE_INTEGER) throw new UnsafeNumber();
    return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
  }

  bytes(): Buffer | null {
    const length = this.signed();
    if (length < 0) return null;
    this.at += length;
    return this.buf.subarray(this.at - length, this.at);
  }

  text(): string | null {
    const length = this.signed();
    if (length < 0) return null;
    this.at += length;
    return this.buf.toString('utf8', this.at - length, this.at);
  }
}

function plus(base: string, delta: number): string {
  const sum = Number(base) + delta;
  if (!Number.isSafeInteger(sum) || !Number.isSafeInteger(Number(base))) throw new UnsafeNumber();
  return String(sum);
}

export function decodeRecord(decoder: RecordDecoderInput, batchContext: BatchContext): DecodedRecord {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const reader = new Reader(decoder.buffer, decoder.offset);
  const attributes = decoder.buffer.readInt8(reader.at++);
  const timestampDelta = reader.signed();
  const timestamp = timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : plus(firstTimestamp, timestampDelta);
  const offset = plus(firstOffset, reader.signed());
  const key = reader.bytes();
  const value = reader.bytes();
  const headers: Record<string, HeaderValue | HeaderValue[]> = {};
  const count = reader.signed();
  for (let i = 0; i < count; i++) {
    const name = String(reader.text());
    const one = reader.text();
    const previous = Object.hasOwn(headers, name) ? headers[name] : undefined;
    const merged = previous === undefined ? one : Array.isArray(previous) ? [...previous, one] : [previous, one];
    // A header named __proto__ is data, as kafkajs' object spread makes it, not the object's prototype.
    if (name === '__proto__') Object.defineProperty(headers, name, { value: merged, enumerable: true, writable: true, configurable: true });
    else headers[name] = merged;
  }
  decoder.offset = reader.at;
  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
}
