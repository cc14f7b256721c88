import type { HostileShape } from '../hostile.js';

/** Where an OKX kline frame keeps its times, decimals and count, for the hostile fault (hostile.ts). */
export const okxHostileShape: HostileShape = {
  times: [['data', 0, 0]],
  decimals: [
    ['data', 0, 4],
    ['data', 0, 5],
    ['data', 0, 2],
  ],
  counts: [],
  quoted: true,
  decimalsAsNumbers: false,
  gzip: false,
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
};
