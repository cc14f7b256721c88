import type { Message, TopicMessages, TopicPartitionOffset } from 'kafkajs';

/**
 * Runs `step` whenever work is waiting and no step is running. Work that arrives during a
 * step is taken by the next one, so batches grow with load instead of waiting on a timer:
 * the lowest latency when idle, the largest batches when busy. Steps never overlap.
 */
export class SerialPump {
  private running: Promise<void> | undefined;
  /**
   * Set before the loop starts: the loop runs its first step synchronously, before `running` is
   * assigned, and a kick from within that step (a batch too large for one write kicks for the rest)
   * must not start a second loop, whose step would overlap the first and overtake it.
   */
  private looping = false;
  private wanted = false;

  constructor(private readonly step: () => Promise<void>) {}

  kick(): void {
    this.wanted = true;
    if (this.looping) return;
    this.looping = true;
    this.running = this.loop();
  }

  /** Resolves once no step runs and none is wanted: everything kicked so far has been handled. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (this.wanted) {
        this.wanted = false;
        await this.step();
      }
    } finally {
      this.looping = false;
      this.running = undefined;
    }
  }
}

/**
 * Commits offsets one request at a time. Offsets added while a commit is in flight are merged
 * (the highest per partition wins) into the next request, so a busy consumer commits often
 * without ever waiting on a commit before it fetches again.
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, TopicPartitionOffset>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly commit: (offsets: TopicPartitionOffset[]) => Promise<void>,
    /** A failed commit is not retried: the records are stored, and a replay after a rebalance is idempotent. */
    private readonly onError: (error: Error) => void,
  ) {}

  /** `offset` is the next offset to read, as Kafka expects it. */
  add(offsets: Iterable<TopicPartitionOffset>): void {
    for (const next of offsets) {
      const key = `${next.topic}\u0000${next.partition}`;
      const current = this.pending.get(key);
      if (!current || BigInt(next.offset) > BigInt(current.offset)) this.pending.set(key, next);
    }
    if (this.pending.size > 0) this.running ??= this.loop();
  }

  /** Resolves once everything added so far was committed or failed. */
  async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const offsets = [...this.pending.values()];
        this.pending.clear();
        await this.commit(offsets).catch((error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error))));
      }
    } finally {
      this.running = undefined;
    }
  }
}

/**
 * The broker refuses a record batch over `message.max.bytes` (1 MiB by default), and kafkajs
 * writes one record batch per partition per request. Requests of at most `maxBytes` of keys
 * and values therefore never hold an oversized partition batch, whatever the partitioning.
 */
export function splitTopicMessages(topicMessages: readonly TopicMessages[], maxBytes: number): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current: TopicMessages[] = [];
  let bytes = 0;
  for (const { topic, messages } of topicMessages) {
    let chunk: Message[] = [];
    for (const message of messages) {
      const size =
        byteLength(message.key) +
        byteLength(message.value) +
        RECORD_OVERHEAD_BYTES +
        (message.headers ? headersLength(message.headers) : 0);
      if (bytes + size > maxBytes && bytes > 0) {
        if (chunk.length > 0) current.push({ topic, messages: chunk });
        requests.push(current);
        current = [];
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    if (chunk.length > 0) current.push({ topic, messages: chunk });
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/** Record header, varints and attributes: an upper bound per record in a v2 record batch without headers. */
const RECORD_OVERHEAD_BYTES = 32;

/** Names and values of a record's headers, plus their varints. */
function headersLength(headers: NonNullable<Message['headers']>): number {
  let bytes = 0;
  for (const name in headers) {
    const value = headers[name];
    if (!Array.isArray(value)) bytes += Buffer.byteLength(name) + byteLength(value) + HEADER_OVERHEAD_BYTES;
    else for (const v of value) bytes += Buffer.byteLength(name) + byteLength(v) + HEADER_OVERHEAD_BYTES;
  }
  return bytes;
}

const HEADER_OVERHEAD_BYTES = 10;

function byteLength(value: Message['value'] | Message['key']): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
