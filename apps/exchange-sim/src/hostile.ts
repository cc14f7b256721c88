import { gzipSync } from 'node:zlib';
import type { ExchangeId } from '@klineflow/exchanges';
import { mangledSymbol } from '@klineflow/sim-control';

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

type Path = readonly (string | number)[];

/** Where an exchange keeps a kline frame's times, decimals and count, and whether it quotes numbers. */
interface Shape {
  readonly times: readonly Path[];
  readonly decimals: readonly Path[];
  readonly counts: readonly Path[];
  /** OKX writes every number as a string. */
  readonly quoted: boolean;
  /** The frame's envelope (stream name, arg or topic) ahead of a payload of our choosing. */
  envelope(frame: Json): string;
  /** The payload field that `envelope` leaves open, and a body for it with one huge string. */
  hugeBody(frame: Json, text: string): string;
  /** The same frame on a symbol nobody subscribed, or another interval, or a stream name it does not carry. */
  mismatched(base: HostileBase, frame: Json): string[];
}

type Json = Record<string, unknown>;

const SHAPES: Record<ExchangeId, Shape> = {
  binance: {
    times: [
      ['data', 'E'],
      ['data', 'k', 't'],
    ],
    decimals: [
      ['data', 'k', 'c'],
      ['data', 'k', 'v'],
      ['data', 'k', 'h'],
    ],
    counts: [['data', 'k', 'n']],
    quoted: false,
    envelope: (f) => `{"stream":${JSON.stringify(f.stream)},"data":`,
    hugeBody: (f, text) => `{"e":"kline","E":${String((f.data as Json).E)},"s":"${text}"}}`,
    mismatched(base, f) {
      const data = f.data as { s: string; k: { s: string; i: string } };
      const mangled = mangledSymbol(base.symbol);
      const onSymbol = { ...f, data: { ...data, s: mangled, k: { ...data.k, s: mangled } } };
      const otherInterval = { ...f, data: { ...data, k: { ...data.k, i: data.k.i === '1m' ? '5m' : '1m' } } };
      const otherStream = { ...onSymbol, stream: String(f.stream).replace(base.native, mangled.toLowerCase()) };
      return [JSON.stringify(onSymbol), JSON.stringify(otherInterval), JSON.stringify(otherStream)];
    },
  },
  okx: {
    times: [['data', 0, 0]],
    decimals: [
      ['data', 0, 4],
      ['data', 0, 5],
      ['data', 0, 2],
    ],
    counts: [],
    quoted: true,
    envelope: (f) => `{"arg":${JSON.stringify(f.arg)},"data":`,
    hugeBody: (f, text) => `[["${String(((f.data as string[][])[0] ?? [])[0])}","${text}"]]}`,
    mismatched(base, f) {
      const instId = base.native;
      const mangled = `${instId.split('-')[0]}G-${instId.split('-')[1]}`;
      const text = JSON.stringify(f);
      // A second instId in the same arg: a scanner reads the first, JSON.parse keeps the last.
      return [
        text.replace(`"instId":"${instId}"`, `"instId":"${mangled}"`),
        text.replace(`"instId":"${instId}"`, `"instId":"${instId}","instId":"${mangled}"`),
      ];
    },
  },
  huobi: {
    times: [['ts'], ['tick', 'id']],
    decimals: [
      ['tick', 'close'],
      ['tick', 'amount'],
      ['tick', 'high'],
    ],
    counts: [['tick', 'count']],
    quoted: false,
    envelope: (f) => `{"ch":${JSON.stringify(f.ch)},"ts":${String(f.ts)},"tick":`,
    hugeBody: (f, text) => `{"id":${String((f.tick as Json).id)},"open":"${text}"}}`,
    mismatched(base, f) {
      const ch = String(f.ch);
      const mangled = mangledSymbol(base.symbol).toLowerCase();
      return [
        JSON.stringify({ ...f, ch: ch.replace(base.native, mangled) }),
        JSON.stringify({ ...f, ch: ch.replace(/kline\.[a-z0-9]+$/, 'kline.5min') }),
      ];
    },
  },
  bybit: {
    times: [['ts'], ['data', 0, 'start']],
    decimals: [
      ['data', 0, 'close'],
      ['data', 0, 'volume'],
      ['data', 0, 'high'],
    ],
    counts: [],
    quoted: false,
    envelope: (f) => `{"topic":${JSON.stringify(f.topic)},"data":`,
    hugeBody: (f, text) =>
      `[{"start":${String(((f.data as Json[])[0] ?? {}).start)},"open":"${text}"}],"ts":${String(f.ts)},"type":"snapshot"}`,
    mismatched(base, f) {
      const topic = String(f.topic);
      const mangled = mangledSymbol(base.symbol);
      const [kline] = f.data as Json[];
      const otherInterval = { ...f, data: [{ ...kline, interval: kline?.interval === '1' ? '5' : '1' }] };
      const text = JSON.stringify(f);
      // A second topic in the same frame: a scanner reads the first, JSON.parse keeps the last.
      return [
        JSON.stringify({ ...f, topic: topic.replace(base.native, mangled) }),
        JSON.stringify(otherInterval),
        text.replace(`"topic":"${topic}"`, `"topic":"${topic}","topic":"${topic.replace(base.native, mangled)}"`),
      ];
    },
  },
};

const BIG = '100000000000000000000000'; // 23 digits: 1e23
const PLACEHOLDER = '"@@hostile@@"';
const NESTING = 100_000;
const MiB = 1024 * 1024;
/** Far beyond the ingest's 4 MiB inflation cap, yet ~16 KB on the wire. */
let gzipBomb: Buffer | undefined;

/** Every kind of hostile frame once, built from a real frame of `base`'s stream; each one the platform must refuse. */
export function hostileFrames(exchange: ExchangeId, base: HostileBase): HostileFrame[] {
  const shape = SHAPES[exchange];
  const frame = JSON.parse(base.frame) as Json;
  const q = (text: string) => (shape.quoted ? `"${text}"` : text);
  const frames: HostileFrame[] = [];
  const mutate = (path: Path, raw: string) => frames.push({ text: withRaw(frame, path, raw) });
  for (const path of shape.times) for (const raw of [q(BIG), 'null', '"NaN"', q('-5')]) mutate(path, raw);
  for (const path of shape.decimals)
    for (const raw of ['"1e400"', '"-5"', '"NaN"', 'null', `"${BIG}0"`])
      mutate(path, shape.quoted ? raw : raw.replace(/^"(.*)"$/, exchange === 'huobi' ? '$1' : '"$1"'));
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
  if (exchange === 'huobi') {
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
