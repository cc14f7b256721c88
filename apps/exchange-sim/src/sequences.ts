import { hash32 } from './market/hash.js';

/** Per-market increasing ids (trade ids, book sequence numbers), starting at a seeded value. */
export class Sequences {
  private readonly last = new Map<string, number>();

  next(key: string): number {
    const value = (this.last.get(key) ?? 100_000_000 + (hash32(key) % 100_000_000)) + 1;
    this.last.set(key, value);
    return value;
  }
}
