import type { Message } from 'kafkajs';
import { isExchangeId } from '@klineflow/exchanges';
import type { DeadLetter } from '@klineflow/schemas';

/**
 * Largest raw frame sent to Kafka: the broker's message.max.bytes defaults to 1,048,588 bytes for a
 * whole record batch, and a frame travels with its key, headers and the batch's own overhead.
 */
export const MAX_FRAME_BYTES = 1_000_000;
/** A dead letter carries this much of the frame: enough to see what it was. */
export const OVERSIZED_COPY_CHARS = 4096;
/** A UTF-8 byte count is needed only beyond this many UTF-16 units (at most 3 bytes each). */
const CHARS_SURELY_SMALL = Math.floor(MAX_FRAME_BYTES / 3);

/** The frame's size in bytes when it is too large for Kafka, else undefined. One comparison for ordinary frames. */
export function frameTooLarge(message: Message): number | undefined {
  const value = message.value;
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' ? value.length <= CHARS_SURELY_SMALL : value.length <= CHARS_SURELY_SMALL * 3) return undefined;
  const bytes = messageBytes(message);
  return bytes > MAX_FRAME_BYTES ? bytes : undefined;
}

function messageBytes(message: Message): number {
  const size = (part: unknown) => (typeof part === 'string' ? Buffer.byteLength(part) : Buffer.isBuffer(part) ? part.length : 0);
  let bytes = size(message.value) + size(message.key);
  for (const [name, value] of Object.entries(message.headers ?? {})) bytes += name.length + size(value);
  return bytes;
}

/** MESSAGE_TOO_LARGE from the broker, however kafkajs wrapped it: final, so retrying the same batch would loop forever. */
export function isMessageTooLarge(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const e = pending.pop() as { type?: unknown; cause?: unknown; errors?: unknown } | undefined;
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (e.type === 'MESSAGE_TOO_LARGE') return true;
    pending.push(e.cause);
    if (Array.isArray(e.errors)) pending.push(...(e.errors as unknown[]));
  }
  return false;
}

/** The dead letter of a frame Kafka cannot take: its size, why, and the start of its text. */
export function oversizedFrameLetter(
  message: Message,
  topic: string,
  bytes: number | undefined,
  now: number,
): { message: Message; bytes: number } {
  const size = bytes ?? messageBytes(message);
  const text = message.value === null || message.value === undefined ? '' : message.value.toString();
  const header = message.headers?.exchange?.toString();
  const exchange = isExchangeId(header) ? header : null;
  const letter: DeadLetter = {
    service: `ingest-${exchange ?? 'unknown'}`,
    exchange,
    reason: 'frame_too_large',
    detail: `frame of ${size} bytes (${MAX_FRAME_BYTES} at most); raw holds its first ${Math.min(OVERSIZED_COPY_CHARS, text.length)} of ${text.length} chars`,
    source_topic: topic,
    source_partition: -1,
    source_offset: '',
    raw: text.slice(0, OVERSIZED_COPY_CHARS),
    failed_at: now,
  };
  return { message: { key: exchange ?? 'unknown', value: JSON.stringify(letter) }, bytes: size };
}
