import { mangledSymbol } from '@klineflow/sim-control';
import type { HostileShape, Json } from '../hostile.js';

/** Where a Bybit kline frame keeps its times, decimals and count, for the hostile fault (hostile.ts). */
export const bybitHostileShape: HostileShape = {
  times: [['ts'], ['data', 0, 'start']],
  decimals: [
    ['data', 0, 'close'],
    ['data', 0, 'volume'],
    ['data', 0, 'high'],
  ],
  counts: [],
  quoted: false,
  decimalsAsNumbers: false,
  gzip: false,
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
};
