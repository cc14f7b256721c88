import { mangledSymbol } from '@klineflow/sim-control';
import type { HostileShape, Json } from '../hostile.js';

/** Where an HTX kline frame keeps its times, decimals and count, for the hostile fault (hostile.ts). */
export const huobiHostileShape: HostileShape = {
  times: [['ts'], ['tick', 'id']],
  decimals: [
    ['tick', 'close'],
    ['tick', 'amount'],
    ['tick', 'high'],
  ],
  counts: [['tick', 'count']],
  quoted: false,
  decimalsAsNumbers: true,
  gzip: true,
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
};
