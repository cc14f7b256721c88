// kafkajs, loaded with klineflow's record codec in place of its own. Every value import of kafkajs in
// the project goes through here (types may come from 'kafkajs' directly), so the codec is installed
// before kafkajs loads and before the first produce or fetch of the process.
//
// Why: at 1,200 × 6 × 3 kafkajs' per-record encoding was a third of each ingest app's CPU and its
// per-record decoding, partition grouping and byte-wise CRC-32C a fifth of the normalizer's (BENCHMARKS.md, issue 8).
// The replacements write and read the same bytes and return the same shapes; the tests compare them
// with kafkajs' own code, and every stack test runs through them against the real broker.
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';
import { crc32c } from './crc32c.js';
import {
  decodeRecord,
  UnsafeNumber,
  withTextHeaders,
  type BatchContext,
  type DecodedRecord,
  type KafkajsDecodedRecord,
  type RecordDecoderInput,
} from './record-decoding.js';
import { encodeRecord, type EncodedRecord, type RecordFields } from './record-encoding.js';

const require = createRequire(import.meta.url);

const MODULES = {
  recordEncoder: 'kafkajs/src/protocol/recordBatch/record/v0/index.js',
  recordDecoder: 'kafkajs/src/protocol/recordBatch/record/v0/decoder.js',
  grouping: 'kafkajs/src/producer/groupMessagesPerPartition.js',
  checksum: 'kafkajs/src/protocol/recordBatch/crc32C/index.js',
  encoder: 'kafkajs/src/protocol/encoder.js',
  /** Loaded with kafkajs itself; it holds the grouping function it was loaded with. */
  producer: 'kafkajs/src/producer/sendMessages.js',
} as const;

type RecordEncoder = (fields: RecordFields) => EncodedRecord;
type RecordDecoder = (decoder: RecordDecoderInput, context: BatchContext) => DecodedRecord;
type KafkajsRecordDecoder = (decoder: RecordDecoderInput, context: BatchContext) => KafkajsDecodedRecord;
interface GroupingArgs<M> {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly M[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: M }) => number;
}

/**
 * kafkajs' own grouping copies a partition's array for every message it adds (`[...current, message]`):
 * quadratic in the batch, 20,000 normalized records a send.
 */
export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupingArgs<M>): Record<number, M[]> {
  const grouped: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return grouped;
  for (const message of messages) (grouped[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return grouped;
}

/** kafkajs' request encoder, as far as its growth goes. */
interface GrowingEncoder {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
}
interface EncoderClass {
  prototype: GrowingEncoder;
  nextPowerOfTwo(value: number): number;
}

/**
 * kafkajs' Encoder grows by doubling into zero-filled buffers, and a produce request is copied through
 * four of them (record batch, partition, topic, request): zero-filling was 6 % of the normalizer's CPU
 * under load. Every write lands at `offset` and only `buf[0, offset)` is ever read (`buffer`), so the
 * bytes past it need no zeros.
 */
function growWithoutZeroFill(encoder: EncoderClass): void {
  encoder.prototype.ensureAvailable = function ensureAvailable(this: GrowingEncoder, length: number): void {
    const needed = this.offset + length;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(encoder.nextPowerOfTwo(needed));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  };
}

/** Replaces a kafkajs module's exports before anything requires it; returns the original. */
function replace<T>(module: string, replacement: (original: T) => unknown): T {
  const path = require.resolve(module);
  const original = require(path) as T;
  require.cache[path]!.exports = replacement(original);
  return original;
}

function installCodec(): { encoder: RecordEncoder; decoder: KafkajsRecordDecoder; checksum: (buffer: Buffer) => number } {
  if (require.cache[require.resolve(MODULES.producer)] !== undefined) {
    throw new Error(
      'kafkajs was loaded before libs/kafka installed its record codec: import kafkajs values (Kafka, Partitioners…) from @klineflow/kafka',
    );
  }
  replace(MODULES.grouping, () => groupMessagesPerPartition);
  growWithoutZeroFill(require(MODULES.encoder) as EncoderClass);
  const checksum = replace<(buffer: Buffer) => number>(MODULES.checksum, () => crc32c);
  // Outside the safe-integer range (never for real offsets, timestamps and deltas) kafkajs' Long-based code stays in charge.
  const encoder = replace<RecordEncoder>(
    MODULES.recordEncoder,
    (original) => (fields: RecordFields) =>
      Number.isSafeInteger(fields.timestampDelta ?? 0) && Number.isSafeInteger(fields.offsetDelta ?? 0)
        ? encodeRecord(fields)
        : original(fields),
  );
  const decoder = replace<KafkajsRecordDecoder>(MODULES.recordDecoder, (original): RecordDecoder => (input, context) => {
    const start = input.offset;
    try {
      return decodeRecord(input, context);
    } catch (error) {
      if (!(error instanceof UnsafeNumber)) throw error;
      input.offset = start;
      return withTextHeaders(original(input, context));
    }
  });
  return { encoder, decoder, checksum };
}

/** kafkajs' own record encoder, decoder and checksum, as shipped: the codec tests compare with them. */
export const kafkajsCodec = installCodec();

const kafkajs = require('kafkajs') as typeof KafkaJs;

export const { Kafka, Partitioners, CompressionTypes, AssignerProtocol, logLevel } = kafkajs;
export type Kafka = KafkaJs.Kafka;
export type logLevel = KafkaJs.logLevel;
export type CompressionTypes = KafkaJs.CompressionTypes;
