import { ReplyError, type Redis } from 'ioredis';
import { abbreviate } from '@klineflow/schemas';
import { counter, histogram, METRICS } from '@klineflow/observability';
import type { SinkRecord, SinkReject } from '@klineflow/sink-runtime';
import type { Registry } from 'prom-client';
import { APPLY_IF_NEWER_LUA, KEYS_PER_CALL } from './apply-script.js';
import { planWrites, TOPIC_KINDS, type KeyWrite, type RecordKind } from './plan.js';

/** Per key of a call: applied and skipped, or -1 and Redis's error for that key. */
type ScriptReply = Array<number | string>;

interface RedisWithApply extends Redis {
  applyIfNewer(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<ScriptReply>;
}

/** Loads the script once per connection (ioredis sends EVAL the first time, EVALSHA after, and reloads on NOSCRIPT). */
export function withApplyScript(redis: Redis): RedisWithApply {
  redis.defineCommand('applyIfNewer', { lua: APPLY_IF_NEWER_LUA });
  return redis as RedisWithApply;
}

function pushScriptArgs(args: Array<string | number>, write: KeyWrite): void {
  const { latest, closed } = write;
  args.push(closed ? 2 : 1, 'latest', latest.json, latest.openTime, latest.eventTime, latest.closed, latest.order ?? '');
  if (closed) args.push('closed', closed.json, closed.openTime, closed.eventTime, closed.closed, closed.order ?? '');
}

export interface RedisWriterOptions {
  readonly redis: RedisWithApply;
  readonly keyPrefix: string;
  readonly registry: Registry;
  readonly publishRejects: (rejects: SinkReject[]) => Promise<void>;
  readonly topicKinds?: ReadonlyMap<string, RecordKind>;
}

/** Replies that say Redis cannot work right now (loading, busy script, read-only replica, out of memory…): retried, never blamed on the data. */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|OOM|MISCONF|NOREPLICAS|NOAUTH|NOPERM|NOSCRIPT)\b/;

/**
 * True when Redis answered this one command with an error about its key or arguments (WRONGTYPE, a
 * script error): the same records would fail the same way forever. A connection error is no reply at all.
 */
export function isKeyError(error: Error): boolean {
  return error instanceof (ReplyError as ErrorConstructor) && !UNAVAILABLE_REPLY.test(error.message);
}

/** A refusal quotes Redis's message; never megabytes. */
const REFUSAL_DETAIL_CHARS = 2000;

/**
 * One pipeline per batch, one script call per KEYS_PER_CALL keys after coalescing. Throws when Redis does not
 * answer or is unavailable, so the batch is retried and its offsets stay uncommitted. A key Redis
 * refuses (a WRONGTYPE value left under it, say) has its records dead-lettered with Redis's error,
 * and the other keys of the batch commit.
 */
export function createRedisWriter(options: RedisWriterOptions): (records: readonly SinkRecord[]) => Promise<void> {
  const { redis, keyPrefix, registry } = options;
  const writes = counter(registry, METRICS.sinkWrites);
  const staleSkipped = counter(registry, METRICS.staleWritesSkipped);
  const redisLatency = histogram(registry, METRICS.processingLatency).labels({ stage: 'redis' });
  return async (records) => {
    const plan = planWrites(records, keyPrefix, options.topicKinds ?? TOPIC_KINDS);
    // Dead letters first: once the batch commits, a reject must already be somewhere.
    if (plan.rejects.length > 0) await options.publishRejects(plan.rejects);
    if (plan.writes.length === 0) return;
    const chunks: KeyWrite[][] = [];
    for (let from = 0; from < plan.writes.length; from += KEYS_PER_CALL) chunks.push(plan.writes.slice(from, from + KEYS_PER_CALL));
    const pipeline = redis.pipeline() as unknown as RedisWithApply & ReturnType<Redis['pipeline']>;
    for (const chunk of chunks) {
      const keysThenArgs: Array<string | number> = chunk.map((write) => write.key);
      for (const write of chunk) pushScriptArgs(keysThenArgs, write);
      pipeline.applyIfNewer(chunk.length, ...keysThenArgs);
    }
    const results = await pipeline.exec();
    if (!results) throw new Error('redis pipeline was discarded');
    const acknowledgedAt = Date.now();
    const appliedByKind: Record<RecordKind, number> = { kline: 0, ticker: 0, depth: 0 };
    let skipped = 0;
    const refused: SinkReject[] = [];
    const refuse = (write: KeyWrite, message: string) => {
      const detail = `${write.key}: ${abbreviate(message, REFUSAL_DETAIL_CHARS)}`;
      for (const record of write.records) refused.push({ record, reason: 'redis_rejected', detail, exchange: write.exchange });
    };
    for (let call = 0; call < results.length; call += 1) {
      const [error, reply] = results[call]!;
      const chunk = chunks[call]!;
      if (error) {
        if (!isKeyError(error)) throw error;
        for (const write of chunk) refuse(write, error.message);
        continue;
      }
      const perKey = reply as ScriptReply;
      for (let k = 0; k < chunk.length; k += 1) {
        const write = chunk[k]!;
        const applied = perKey[2 * k] as number;
        if (applied === -1) {
          const message = String(perKey[2 * k + 1]);
          if (UNAVAILABLE_REPLY.test(message)) throw new Error(message);
          refuse(write, message);
          continue;
        }
        appliedByKind[write.kind] += applied;
        skipped += perKey[2 * k + 1] as number;
        redisLatency.observe((acknowledgedAt - write.latest.recvTime) / 1000);
      }
    }
    for (const kind of Object.keys(appliedByKind) as RecordKind[]) {
      if (appliedByKind[kind] > 0) writes.inc({ sink: 'redis', kind }, appliedByKind[kind]);
    }
    if (skipped > 0) staleSkipped.inc({ sink: 'redis' }, skipped);
    if (refused.length > 0) await options.publishRejects(refused);
  };
}
