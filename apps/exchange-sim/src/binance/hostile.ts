import { mangledSymbol } from '@klineflow/sim-control';
import type { HostileShape, Json } from '../hostile.js';

/** Where a Binance kline frame keeps its times, decimals and count, for the hostile fault (hostile.ts). */
export const binanceHostileShape: HostileShape = {
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
  decimalsAsNumbers: false,
  gzip: false,
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
};
