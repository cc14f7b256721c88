// One Kafka record (message format v2) encoded into one exactly sized buffer.
//
// kafkajs 2.2.4 encodes each record through a fresh 512-byte zero-filled Encoder, another per header,
// and a new Buffer for every varint (about 25 buffer objects for a raw frame with four headers), then
// copies the pieces together. In the ingest apps that was a third of all CPU at 1,200 × 6 × 3
// (BENCHMARKS.md, issue 8). This encoder writes the same bytes in one pass into one buffer.
// record-encoding.test.ts checks it byte for byte against kafkajs' own encoder.

type HeaderValue = Buffer | string | null | undefined;

/** What kafkajs' produce request hands its record encoder (protocol/recordBatch/record/v0). */
export interface RecordFields {
  readonly offsetDelta?: number;
  readonly timestampDelta?: number;
  readonly key?: Buffer | string | null;
  readonly value?: Buffer | string | null;
  readonly headers?: Readonly<Record<string, HeaderValue | HeaderValue[]>>;
}

/** The shape kafkajs' RecordBatch writes: an Encoder's `buf` and `buffer`. */
export interface EncodedRecord {
  readonly buf: Buffer;
  readonly buffer: Buffer;
}

const TWO_POW_32 = 2 ** 32;

/** ZigZag of a safe integer, as a non-negative safe integer (kafkajs does it with Long for varlongs). */
function zigZag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function unsignedVarSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = value < TWO_POW_32 ? value >>> 7 : Math.floor(value / 128);
    size += 1;
  }
  return size;
}

function writeUnsignedVar(buf: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buf[offset++] = (value & 0x7f) | 0x80;
    value = value < TWO_POW_32 ? value >>> 7 : Math.floor(value / 128);
  }
  buf[offset++] = value;
  return offset;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return -1;
  return Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value));
}

/** A varint length (-1 for null) followed by the bytes. */
function bytesFieldSize(length: number): number {
  return unsignedVarSize(zigZag(length)) + Math.max(length, 0);
}

function writeBytesField(buf: Buffer, offset: number, value: Buffer | string | null | undefined, length: number): number {
  offset = writeUnsignedVar(buf, offset, zigZag(length));
  if (length <= 0) return offset;
  if (Buffer.isBuffer(value)) return offset + value.copy(buf, offset);
  return offset + buf.write(String(value), offset, length, 'utf8');
}

export function encodeRecord({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordFields): EncodedRecord {
  // Headers flattened as kafkajs does: an array value is one header per element, in order.
  const headerKeys: string[] = [];
  const headerValues: HeaderValue[] = [];
  for (const name of Object.keys(headers)) {
    const entry = headers[name];
    for (const one of Array.isArray(entry) ? entry : [entry]) {
      headerKeys.push(name);
      headerValues.push(one);
    }
  }
  const keyLength = byteLength(key);
  const valueLength = byteLength(value);
  const headerKeyLengths = headerKeys.map((name) => Buffer.byteLength(name));
  const headerValueLengths = headerValues.map(byteLength);
  let bodySize =
    1 + // attributes, unused
    unsignedVarSize(zigZag(timestampDelta)) +
    unsignedVarSize(zigZag(offsetDelta)) +
    bytesFieldSize(keyLength) +
    bytesFieldSize(valueLength) +
    unsignedVarSize(zigZag(headerKeys.length));
  for (let i = 0; i < headerKeys.length; i++) bodySize += bytesFieldSize(headerKeyLengths[i]!) + bytesFieldSize(headerValueLengths[i]!);

  // allocUnsafe: every byte is written below; small records come from Node's shared pool.
  const buf = Buffer.allocUnsafe(unsignedVarSize(zigZag(bodySize)) + bodySize);
  let offset = writeUnsignedVar(buf, 0, zigZag(bodySize));
  buf[offset++] = 0;
  offset = writeUnsignedVar(buf, offset, zigZag(timestampDelta));
  offset = writeUnsignedVar(buf, offset, zigZag(offsetDelta));
  offset = writeBytesField(buf, offset, key, keyLength);
  offset = writeBytesField(buf, offset, value, valueLength);
  offset = writeUnsignedVar(buf, offset, zigZag(headerKeys.length));
  for (let i = 0; i < headerKeys.length; i++) {
    offset = writeBytesField(buf, offset, headerKeys[i], headerKeyLengths[i]!);
    offset = writeBytesField(buf, offset, headerValues[i], headerValueLengths[i]!);
  }
  if (offset !== buf.length) throw new Error(`record encoding wrote ${offset} of ${buf.length} bytes`);
  return { buf, buffer: buf };
}
