import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { crc32c } from './crc32c.js';
import { kafkajsCodec } from './kafkajs.js';

test('CRC-32C of "123456789" is the standard check value 0xE3069283', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('every length, aligned or not, checksums as kafkajs does', () => {
  let seed = 1;
  for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 255, 1_000, 65_537]) {
    const buffer = Buffer.alloc(length);
    for (let i = 0; i < length; i++) buffer[i] = (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) & 0xff;
    assert.equal(crc32c(buffer), kafkajsCodec.checksum(buffer), `length ${length}`);
    assert.equal(crc32c(buffer.subarray(3)), kafkajsCodec.checksum(buffer.subarray(3)), `length ${length}, offset view`);
  }
});

test('kafkajs checksums record batches with it once libs/kafka is loaded', () => {
  const loaded = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/crc32C/index.js') as unknown;
  assert.equal(loaded, crc32c);
});
