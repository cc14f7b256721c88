import { ReplyError, type Redis } from 'ioredis';
import { abbreviate } from '@klineflow/schemas';
import { counter, histogram, METRICS } from '@klineflow/observability';
import type { SinkRecord, SinkReject } from '@klineflow/sink-runtime';
import type { Registry } from 'prom-client';
import { APPLY_IF_NEWER_LUA } from './apply-script.js';
import { planWrites, TOPIC_KINDS, type KeyWrite, type RecordKind } from './plan.js';

type ScriptResult = [applied: number, skipped: number];

interface RedisWithApply extends Redis {
  applyIfNewer(key: string, ...args: Array<string | number>): Promise<ScriptResult>;
}

/** Loads the script once per connection (ioredis sends EVAL the first time, EVALSHA after, and reloads on NOSCRIPT). */
export function withApplyScript(redis: Redis): RedisWithApply {
  redis.defineCommand('applyIfNewer', { numberOfKeys: 1, lua: APPLY_IF_NEWER_LUA });
  return redis as RedisWithApply;
}

function scriptArgs(write: KeyWrite): Array<string | number> {
  const { latest, closed } = write;
  const args: Array<string | number> = ['latest', latest.json, latest.openTime, latest.eventTime, latest.closed, latest.order ?? ''];
  if (closed) args.push('closed', closed.json, closed.openTime, closed.eventTime, closed.closed, closed.order ?? '');
  return args;
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
 * One pipeline per batch, one script call per key after coalescing. Throws when Redis does not
 * answer or is unavailable, so the batch is retried and its offsets stay uncommitted. A key Redis
 * refuses (a WRONGTYPE value left under it, say) has its records dead-lettered with Redis's error,
 * and the other keys of the batch commit.
 */
export function createRedisWriter(options: RedisWriterOptions): (records: readonly SinkRecord[]) => Promise<void> {
  const { redis, keyPrefix, registry } = options;
  const writes = counter(registry, METRICS.sinkWrites);
  const staleSkipped = counter(registry, METRICS.staleWritesSkipped);
  const latency = histogram(registry, METRICS.processingLatency);
  return async (records) => {
    const plan = planWrites(records, keyPrefix, options.topicKinds ?? TOPIC_KINDS);
    // Dead letters first: once the batch commits, a reject must already be somewhere.
    if (plan.rejects.length > 0) await options.publishRejects(plan.rejects);
    if (plan.writes.length === 0) return;
    const pipeline = redis.pipeline();
    for (const write of plan.writes) (pipeline as unknown as RedisWithApply).applyIfNewer(write.key, ...scriptArgs(write));
    const results = await pipeline.exec();
    if (!results) throw new Error('redis pipeline was discarded');
    const acknowledgedAt = Date.now();
    const appliedByKind: Record<RecordKind, number> = { kline: 0, ticker: 0, depth: 0 };
    let skipped = 0;
    const refused: SinkReject[] = [];
    for (let i = 0; i < results.length; i += 1) {
      const [error, result] = results[i]!;
      const write = plan.writes[i]!;
      if (error) {
        if (!isKeyError(error)) throw error;
        const detail = `${write.key}: ${abbreviate(error.message, REFUSAL_DETAIL_CHARS)}`;
        for (const record of write.records) refused.push({ record, reason: 'redis_rejected', detail, exchange: write.exchange });
        continue;
      }
      const [applied, stale] = result as ScriptResult;
      appliedByKind[write.kind] += applied;
      skipped += stale;
      latency.observe({ stage: 'redis' }, (acknowledgedAt - write.latest.recvTime) / 1000);
    }
    for (const kind of Object.keys(appliedByKind) as RecordKind[]) {
      if (appliedByKind[kind] > 0) writes.inc({ sink: 'redis', kind }, appliedByKind[kind]);
    }
    if (skipped > 0) staleSkipped.inc({ sink: 'redis' }, skipped);
    if (refused.length > 0) await options.publishRejects(refused);
  };
}
