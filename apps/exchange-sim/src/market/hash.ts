/** FNV-1a over the text, then a splitmix-style finaliser: stable across runs and platforms. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h);
}

function mix(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The i-th uniform number in [0, 1) drawn from a seed. */
export function uniform(seed: number, i: number): number {
  return mix(seed + Math.imul(i + 1, 0x9e3779b9)) / 0x1_0000_0000;
}
