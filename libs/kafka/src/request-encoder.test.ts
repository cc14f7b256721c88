import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import './kafkajs.js';

const require = createRequire(import.meta.url);
interface Encoder {
  buffer: Buffer;
  writeInt8(value: number): Encoder;
  writeInt32(value: number): Encoder;
  writeString(value: string): Encoder;
  writeBytes(value: Buffer): Encoder;
  writeEncoder(value: Encoder): Encoder;
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => Encoder;

test('a request encoder that grows through many sizes holds exactly the bytes written, none left from earlier allocations', () => {
  // Dirty the pool the unzeroed allocations come from, so stale bytes would show.
  for (let i = 0; i < 64; i++) Buffer.allocUnsafe(4096).fill(0xab);
  const encoder = new Encoder(1);
  const expected: Buffer[] = [];
  for (let i = 0; i < 3_000; i++) {
    const text = 'x'.repeat(i % 97);
    encoder
      .writeInt8(i % 128)
      .writeInt32(i)
      .writeString(text);
    const int32 = Buffer.alloc(4);
    int32.writeInt32BE(i);
    const length = Buffer.alloc(2);
    length.writeInt16BE(text.length);
    expected.push(Buffer.from([i % 128]), int32, length, Buffer.from(text));
  }
  const inner = new Encoder().writeBytes(Buffer.alloc(70_000, 7));
  encoder.writeEncoder(inner);
  const bytesLength = Buffer.alloc(4);
  bytesLength.writeInt32BE(70_000);
  expected.push(bytesLength, Buffer.alloc(70_000, 7));
  assert.deepEqual(encoder.buffer, Buffer.concat(expected));
});
