/**
 * Fetched work handed off so the fetch loop can go on. kafkajs fetches again only once every batch
 * of the previous fetch has been handled (its Fetcher "waits for workerQueue to drain and repeats"),
 * so a consumer that normalizes inside eachBatch idles for each fetch's round trip: a third of the
 * normalizer's time in a profile at 1,200 × 6 × 3, while its lag grew. With this queue eachBatch
 * returns at once and the next fetch travels while the queued batches are worked through, one per
 * macrotask so fetch responses are read in between. `push` waits while `maxQueued` units are
 * queued, which bounds memory and backpressures the fetch loop.
 */
export class PrefetchQueue<T> {
  private readonly items: Array<{ item: T; size: number }> = [];
  private queued = 0;
  private working: Promise<void> | undefined;
  private readonly roomWaiters: Array<() => void> = [];

  constructor(
    private readonly maxQueued: number,
    /** Handles one item; items are handled one at a time, in push order. */
    private readonly work: (item: T) => void | Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Units queued and not yet handled. */
  get size(): number {
    return this.queued;
  }

  /** Queues `item` (`size` units) and resolves once the queue has room for more. */
  async push(item: T, size: number): Promise<void> {
    this.items.push({ item, size });
    this.queued += size;
    this.working ??= this.drain();
    while (this.queued >= this.maxQueued) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Drops everything not yet handled (a rebalance: the partitions are fetched again from their committed offsets). */
  clear(): void {
    this.items.length = 0;
    this.queued = 0;
    this.wakeWaiters();
  }

  /** Resolves once every item pushed so far has been handled or dropped. */
  async idle(): Promise<void> {
    while (this.working) await this.working;
  }

  private async drain(): Promise<void> {
    try {
      while (this.items.length > 0) {
        // A macrotask boundary: socket reads (the next fetch's response) run between items.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const next = this.items.shift();
        if (!next) break;
        try {
          await this.work(next.item);
        } catch (error) {
          this.onError(error);
        }
        this.queued = Math.max(0, this.queued - next.size);
        if (this.queued < this.maxQueued) this.wakeWaiters();
      }
    } finally {
      this.working = undefined;
    }
  }

  private wakeWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}
