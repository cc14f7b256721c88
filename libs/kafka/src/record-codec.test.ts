import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { kafkajsCodec } from './kafkajs.js';
import { decodeRecord, withTextHeaders, type BatchContext, type RecordDecoderInput } from './record-decoding.js';
import { encodeRecord, type RecordFields } from './record-encoding.js';

const require = createRequire(import.meta.url);
const kafkajsRecordEncoder = kafkajsCodec.encoder;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => RecordDecoderInput & { readVarIntBytes(): Buffer };

/** Deterministic pseudo-random source, so a failure names a reproducible case. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

function text(next: () => number, length: number): string {
  const alphabet = 'abcXYZ019{}":,.é€😀';
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

function sample(next: () => number): RecordFields {
  const pick = <T>(...options: T[]): T => options[Math.floor(next() * options.length)]!;
  // Lengths around the varint steps (1 byte up to 63 after zigzag, 2 bytes up to 8,191, then 3).
  const length = pick(0, 1, 63, 64, 200, 8_191, 8_192, 70_000);
  const body = text(next, length);
  return {
    offsetDelta: pick(0, 1, 63, 64, 1_999, 70_000),
    timestampDelta: pick(0, 5, -5, -64, 2 ** 31 + 7, -(2 ** 35), 1_764_000_000_000),
    key: pick<RecordFields['key']>(null, undefined, '', 'btcusdt@kline_1m', Buffer.from(text(next, 30)), text(next, 300)),
    value: pick<RecordFields['value']>(null, body, Buffer.from(body)),
    headers: pick<RecordFields['headers']>(
      undefined,
      {},
      { exchange: 'binance', conn_id: 'binance-3', recv_ts: '1764000000123', kind: 'live' },
      { order: Buffer.from('17'), many: ['a', Buffer.from('b'), ''], empty: '' },
      { unicode: 'é€😀', long: text(next, 9_000) },
    ),
  };
}

test('a record encodes to exactly the bytes kafkajs 2.2.4 produces for it', () => {
  const next = random(42);
  for (let i = 0; i < 600; i++) {
    const fields = sample(next);
    const ours = encodeRecord(fields);
    const theirs = kafkajsRecordEncoder(fields);
    assert.deepEqual(ours.buffer, theirs.buffer, `case ${i}: ${JSON.stringify(fields).slice(0, 300)}`);
    assert.equal(ours.buf, ours.buffer, 'RecordBatch copies `buffer`: the whole allocation is the record');
  }
});

test('kafkajs produces through the one-pass encoder once libs/kafka is loaded', () => {
  const loaded = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as unknown;
  assert.notEqual(loaded, kafkajsRecordEncoder, 'the produce request would load kafkajs’ own encoder');
  const fields = { key: 'k', value: 'v', headers: { a: '1' } };
  assert.deepEqual((loaded as typeof kafkajsRecordEncoder)(fields).buffer, encodeRecord(fields).buffer);
});

/** The record as the fetch path hands it to a record decoder: its own Decoder over the length-prefixed bytes. */
function fetched(fields: RecordFields): RecordDecoderInput {
  return new Decoder(new Decoder(kafkajsRecordEncoder(fields).buffer).readVarIntBytes());
}

test('a fetched record decodes to what kafkajs 2.2.4 hands a consumer, header values as text', () => {
  const next = random(7);
  const contexts: BatchContext[] = [
    { firstOffset: '0', firstTimestamp: '1764000000000', maxTimestamp: '1764000000999', magicByte: 2, timestampType: 0 },
    { firstOffset: '912345678901', firstTimestamp: '-1', maxTimestamp: '-1', magicByte: 2, isControlBatch: true, timestampType: 0 },
    { firstOffset: '17', firstTimestamp: '1764000000000', maxTimestamp: '1764000005000', magicByte: 2, timestampType: 1 },
  ];
  for (let i = 0; i < 600; i++) {
    const fields = sample(next);
    const context = contexts[i % contexts.length]!;
    const ours = fetched(fields);
    const theirs = fetched(fields);
    assert.deepEqual(
      decodeRecord(ours, context),
      withTextHeaders(kafkajsCodec.decoder(theirs, context)),
      `case ${i}: ${JSON.stringify(fields).slice(0, 300)}`,
    );
    assert.equal(ours.offset, theirs.offset, 'both leave the decoder after the record');
  }
});

test('offsets beyond 2^53 are left to kafkajs, whose Long arithmetic is exact there', () => {
  const loaded = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as typeof kafkajsCodec.decoder;
  const context: BatchContext = { firstOffset: '9007199254740990', firstTimestamp: '1764000000000', magicByte: 2, timestampType: 0 };
  const fields = { offsetDelta: 5, key: 'k', value: 'v', headers: { a: ['1', '2'] } };
  const decoded = loaded(fetched(fields), context);
  assert.equal(decoded.offset, '9007199254740995');
  assert.deepEqual(decoded.headers, { a: ['1', '2'] }, 'header values are text on this path too');
  assert.deepEqual(decoded, withTextHeaders(kafkajsCodec.decoder(fetched(fields), context)));
});

test('grouping by partition keeps each partition in send order', async () => {
  const { groupMessagesPerPartition } = await import('./kafkajs.js');
  const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 7}`, value: String(i) }));
  const grouped = groupMessagesPerPartition({
    topic: 't',
    partitionMetadata: [{}, {}, {}],
    messages,
    partitioner: ({ message }) => Number(message.key.slice(1)) % 3,
  });
  for (const p of [0, 1, 2])
    assert.deepEqual(
      grouped[p],
      messages.filter((m) => Number(m.key.slice(1)) % 3 === p),
    );
  const loaded = require('kafkajs/src/producer/groupMessagesPerPartition.js') as unknown;
  assert.equal(loaded, groupMessagesPerPartition, "kafkajs' producer would group with its quadratic copy");
});
