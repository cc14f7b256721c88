import type { ConnectionFrames } from '../protocol.js';
import { BOOK_DEPTH, TOP_LEVELS, TOPIC_PREFIX, type BybitBook, type BybitLevel, type BybitPush } from './wire.js';

/** Bids best (highest) first or asks best (lowest) first. */
type Side = Map<string, string>;

interface LocalBook {
  readonly bids: Side;
  readonly asks: Side;
  u: number;
}

/**
 * The order books of one connection, built from Bybit's `orderbook.50` snapshot and its deltas. A delta
 * means nothing without the book before it, and a consumer that starts mid-stream (a restarted
 * normalizer, a replay) would have none: so the ingest publishes, for each snapshot and each delta it
 * applies, the book's top 20 in Bybit's own snapshot shape, and never a delta. Frames of other topics
 * pass unchanged.
 */
export class BybitBooks implements ConnectionFrames {
  private readonly books = new Map<string, LocalBook>();

  /**
   * The frame to publish for a data frame of stream `key`, or undefined when the book is not in step:
   * a delta before any snapshot, a repeated one, or one after a gap in `u`. Bybit re-sends a snapshot
   * only on (re)subscribe or after a restart of its own, so a book out of step publishes nothing until
   * the stream's silence makes the ingest subscribe to it again.
   */
  publishable(key: string, text: string): string | undefined {
    if (!key.startsWith(TOPIC_PREFIX.depth)) return text;
    let push: BybitPush<BybitBook>;
    try {
      push = JSON.parse(text) as BybitPush<BybitBook>;
      if (!this.apply(key, push)) return undefined;
    } catch {
      // Not a book at all: published as it came, for the normalizer to dead-letter with its reason.
      return text;
    }
    return JSON.stringify(this.top(key, push));
  }

  /** False when the book is not in step after `push`. */
  private apply(key: string, push: BybitPush<BybitBook>): boolean {
    const { data } = push;
    if (push.type === 'snapshot') {
      // Any snapshot replaces the book: the first after subscribing, or `u` = 1 after Bybit's service restarted.
      this.books.set(key, { bids: levelsOf(data.b), asks: levelsOf(data.a), u: data.u });
      return true;
    }
    const book = this.books.get(key);
    if (!book || data.u <= book.u) return false;
    if (data.u !== book.u + 1) {
      this.books.delete(key);
      return false;
    }
    applyLevels(book.bids, data.b);
    applyLevels(book.asks, data.a);
    book.u = data.u;
    return true;
  }

  private top(key: string, push: BybitPush<BybitBook>): BybitPush<BybitBook> {
    const book = this.books.get(key) as LocalBook;
    const { data } = push;
    return {
      topic: push.topic,
      ts: push.ts,
      type: 'snapshot',
      data: { s: data.s, b: best(book.bids, 'bids', TOP_LEVELS), a: best(book.asks, 'asks', TOP_LEVELS), u: data.u, seq: data.seq },
      cts: push.cts,
    };
  }
}

function levelsOf(levels: readonly BybitLevel[]): Side {
  return new Map(levels.map(([price, size]) => [price, size]));
}

/** Size "0" deletes a level; any other size inserts or replaces it. */
function applyLevels(side: Side, levels: readonly BybitLevel[]): void {
  for (const [price, size] of levels) {
    if (Number(size) === 0) side.delete(price);
    else side.set(price, size);
  }
}

/**
 * The best `count` levels. Prices are ordered as numbers: Bybit's have far fewer significant digits
 * than a double holds, so the order is exact, while the text published is the exchange's own.
 */
function best(side: Side, which: 'bids' | 'asks', count: number): BybitLevel[] {
  const direction = which === 'bids' ? -1 : 1;
  const sorted = [...side].sort(([a], [b]) => direction * (Number(a) - Number(b)));
  // Levels past the subscribed depth have left Bybit's window; it deletes them, this makes sure.
  for (const [price] of sorted.slice(BOOK_DEPTH)) side.delete(price);
  return sorted.slice(0, count);
}
