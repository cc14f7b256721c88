// CRC-32C (Castagnoli), the checksum of every Kafka record batch, eight bytes a step ("slicing by 8").
// kafkajs computes it a byte at a time: 7 % of the normalizer's CPU in a profile of the drain
// benchmark, over the ~1 MB of every produce request. crc32c.test.ts checks it against kafkajs'.

const POLYNOMIAL = 0x82f63b78; // reflected Castagnoli polynomial

/** Eight lookup tables of 256 entries: TABLES[k * 256 + n] is the CRC of byte n followed by k zero bytes. */
const TABLES = (() => {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const previous = tables[(k - 1) * 256 + n]!;
      tables[k * 256 + n] = (previous >>> 8) ^ tables[previous & 0xff]!;
    }
  }
  return tables;
})();

export function crc32c(buffer: Uint8Array): number {
  const t = TABLES;
  let crc = -1;
  let i = 0;
  const whole = buffer.length - (buffer.length % 8);
  for (; i < whole; i += 8) {
    const low = crc ^ (buffer[i]! | (buffer[i + 1]! << 8) | (buffer[i + 2]! << 16) | (buffer[i + 3]! << 24));
    const high = buffer[i + 4]! | (buffer[i + 5]! << 8) | (buffer[i + 6]! << 16) | (buffer[i + 7]! << 24);
    crc =
      t[1792 + (low & 0xff)]! ^
      t[1536 + ((low >>> 8) & 0xff)]! ^
      t[1280 + ((low >>> 16) & 0xff)]! ^
      t[1024 + (low >>> 24)]! ^
      t[768 + (high & 0xff)]! ^
      t[512 + ((high >>> 8) & 0xff)]! ^
      t[256 + ((high >>> 16) & 0xff)]! ^
      t[high >>> 24]!;
  }
  for (; i < buffer.length; i++) crc = t[(crc ^ buffer[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
