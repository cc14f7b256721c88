import { gzipSync } from 'node:zlib';

/** One hostile frame: text goes through the exchange's encoding (HTX gzip); binary is sent as it is. */
export type HostileFrame = { readonly text: string } | { readonly binary: Buffer };

/** The subscribed kline stream a hostile round is built from. */
export interface HostileBase {
  /** A real frame of the stream's current bar, exactly as the exchange sends it. */
  readonly frame: string;
  /** Canonical and native symbol of the stream. */
  readonly symbol: string;
  readonly native: string;
}

export type Path = readonly (string | number)[];

/**
 * Where an exchange keeps a kline frame's times, decimals and count, and how it writes them: each
 * exchange's server declares its own (`<exchange>/hostile.ts`).
 */
export interface HostileShape {
  readonly times: readonly Path[];
  readonly decimals: readonly Path[];
  readonly counts: readonly Path[];
  /** OKX writes every number as a string. */
  readonly quoted: boolean;
  /** HTX writes decimals as JSON numbers, where the others write strings. */
  readonly decimalsAsNumbers: boolean;
  /** HTX gzips every frame: a gzip bomb and a truncated gzip frame join the round. */
  readonly gzip: boolean;
  /** The frame's envelope (stream name, arg or topic) ahead of a payload of our choosing. */
  envelope(frame: Json): string;
  /** The payload field that `envelope` leaves open, and a body for it with one huge string. */
  hugeBody(frame: Json, text: string): string;
  /** The same frame on a symbol nobody subscribed, or another interval, or a stream name it does not carry. */
  mismatched(base: HostileBase, frame: Json): string[];
}

export type Json = Record<string, unknown>;

const BIG = '100000000000000000000000'; // 23 digits: 1e23
const PLACEHOLDER = '"@@hostile@@"';
const NESTING = 100_000;
const MiB = 1024 * 1024;
/** Far beyond the ingest's 4 MiB inflation cap, yet ~16 KB on the wire. */
let gzipBomb: Buffer | undefined;

/** Every kind of hostile frame once, built from a real frame of `base`'s stream; each one the platform must refuse. */
export function hostileFrames(shape: HostileShape, base: HostileBase): HostileFrame[] {
  const frame = JSON.parse(base.frame) as Json;
  const q = (text: string) => (shape.quoted ? `"${text}"` : text);
  const frames: HostileFrame[] = [];
  const mutate = (path: Path, raw: string) => frames.push({ text: withRaw(frame, path, raw) });
  for (const path of shape.times) for (const raw of [q(BIG), 'null', '"NaN"', q('-5')]) mutate(path, raw);
  for (const path of shape.decimals)
    for (const raw of ['"1e400"', '"-5"', '"NaN"', 'null', `"${BIG}0"`])
      mutate(path, shape.decimalsAsNumbers ? raw.replace(/^"(.*)"$/, '$1') : raw);
  for (const path of shape.counts) for (const raw of [BIG, '-5', 'null', '"NaN"']) mutate(path, raw);
  for (const text of shape.mismatched(base, frame)) frames.push({ text });
  const envelope = shape.envelope(frame);
  frames.push(
    { text: base.frame.slice(0, base.frame.length >> 1) },
    { text: '\u0000\u0007 not json {{[[ \uFFFD' },
    { binary: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x9c, 0x80, 0x01]) },
    { text: `${envelope}${'['.repeat(NESTING)}${']'.repeat(NESTING)}}` },
    { text: `${envelope}${shape.hugeBody(frame, 'A'.repeat(MiB / 2))}` },
    { text: `${envelope}${shape.hugeBody(frame, 'A'.repeat(MiB))}` },
  );
  if (shape.gzip) {
    gzipBomb ??= gzipSync(Buffer.alloc(16 * MiB, 0x20), { level: 9 });
    frames.push({ binary: gzipBomb }, { binary: gzipSync(base.frame).subarray(0, 20) });
  }
  return frames;
}

/** The frame's JSON with the value at `path` replaced by raw JSON text (`1e400`, `null`, a 23-digit literal). */
function withRaw(frame: Json, path: Path, raw: string): string {
  const copy = structuredClone(frame);
  let node = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = JSON.parse(PLACEHOLDER);
  return JSON.stringify(copy).replace(PLACEHOLDER, raw);
}
