/**
 * Splits `items` into consecutive batches of at most `maxItems` items and at most
 * `maxBytes` of serialised size each. An item larger than `maxBytes` alone is a caller bug.
 */
export function batchWithin<T>(
  items: readonly T[],
  maxItems: number,
  maxBytes: number,
  sizeOf: (item: T) => number,
  overheadBytes = 0,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = overheadBytes;
  for (const item of items) {
    const size = sizeOf(item);
    if (overheadBytes + size > maxBytes) throw new RangeError(`one item of ${size} bytes exceeds the ${maxBytes}-byte request limit`);
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = overheadBytes;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
