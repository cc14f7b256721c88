import { TOPICS } from '@klineflow/kafka';
import { validateStandardDepth, validateStandardKline, validateStandardTicker } from '@klineflow/schemas';
import { parseSinkRecord, type SinkRecord, type SinkReject } from '@klineflow/sink-runtime';
import type { ValidateFunction } from 'ajv';

export type RecordKind = 'kline' | 'ticker' | 'depth';

/**
 * One version of a value, ranked by (open_time, event_time, is_closed, order); ticker/depth use 0 for
 * open_time and is_closed. `order` is the normalizer's `order` header, absent when the record has none:
 * it ranks only between two records that both have one (arrival-ordered streams, where a later order
 * is a later update in the same millisecond); otherwise an equal rank is a replay.
 */
export interface Candidate {
  readonly json: string;
  readonly openTime: number;
  readonly eventTime: number;
  readonly closed: 0 | 1;
  readonly order?: string;
  readonly recvTime: number;
}

/** What one batch must do to one hash: at most one candidate per field. */
export interface KeyWrite {
  readonly key: string;
  readonly kind: RecordKind;
  readonly exchange: string;
  latest: Candidate;
  closed?: Candidate;
  /** Every record coalesced into this write: if Redis refuses the key, they are the ones dead-lettered. */
  readonly records: SinkRecord[];
}

export interface WritePlan {
  readonly writes: KeyWrite[];
  readonly rejects: SinkReject[];
  /** Records that reached a KeyWrite, before coalescing. */
  readonly accepted: number;
}

interface Parsed {
  exchange: string;
  symbol: string;
  interval?: string;
  open_time?: number;
  is_closed?: boolean;
  event_time: number;
  recv_time: number;
}

/** Which record each consumed topic carries; tests map private topics the same way. */
export const TOPIC_KINDS: ReadonlyMap<string, RecordKind> = new Map([
  [TOPICS.klines, 'kline'],
  [TOPICS.tickers, 'ticker'],
  [TOPICS.depth, 'depth'],
]);

export function isNewer(a: Candidate, b: Candidate): boolean {
  if (a.openTime !== b.openTime) return a.openTime > b.openTime;
  if (a.eventTime !== b.eventTime) return a.eventTime > b.eventTime;
  if (a.closed !== b.closed) return a.closed > b.closed;
  // Orders are fixed-width digits: text order is numeric order.
  return a.order !== undefined && b.order !== undefined && a.order > b.order;
}

/**
 * Pure: validates a batch and coalesces it to the newest candidate per hash field, so Redis
 * sees one script call per key however many updates a stream sent within the batch. The
 * JSON stored is the record text exactly as consumed (decimal strings untouched).
 */
export function planWrites(
  records: readonly SinkRecord[],
  keyPrefix: string,
  topicKinds: ReadonlyMap<string, RecordKind> = TOPIC_KINDS,
): WritePlan {
  const byKey = new Map<string, KeyWrite>();
  const rejects: SinkReject[] = [];
  let accepted = 0;
  for (const record of records) {
    const kind = topicKinds.get(record.topic);
    if (!kind) {
      rejects.push({ record, reason: 'unknown_topic', detail: `no Redis mapping for topic ${record.topic}`, exchange: null });
      continue;
    }
    const parsed = parseSinkRecord(record, VALIDATORS[kind]);
    if ('reject' in parsed) {
      rejects.push(parsed.reject);
      continue;
    }
    const v = parsed.value as Parsed;
    const key =
      kind === 'kline' ? `${keyPrefix}kline:${v.exchange}:${v.symbol}:${v.interval}` : `${keyPrefix}${kind}:${v.exchange}:${v.symbol}`;
    const candidate: Candidate = {
      json: record.value,
      openTime: v.open_time ?? 0,
      eventTime: v.event_time,
      closed: v.is_closed ? 1 : 0,
      order: record.order,
      recvTime: v.recv_time,
    };
    accepted += 1;
    const write = byKey.get(key);
    if (!write) {
      byKey.set(key, {
        key,
        kind,
        exchange: v.exchange,
        latest: candidate,
        ...(candidate.closed ? { closed: candidate } : {}),
        records: [record],
      });
      continue;
    }
    write.records.push(record);
    if (isNewer(candidate, write.latest)) write.latest = candidate;
    if (candidate.closed && (!write.closed || isNewer(candidate, write.closed))) write.closed = candidate;
  }
  return { writes: [...byKey.values()], rejects, accepted };
}

const VALIDATORS: Record<RecordKind, ValidateFunction> = {
  kline: validateStandardKline,
  ticker: validateStandardTicker,
  depth: validateStandardDepth,
};
