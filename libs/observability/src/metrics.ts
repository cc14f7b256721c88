import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

interface MetricSpec<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

const spec = <L extends string>(name: string, help: string, labelNames: readonly L[]): MetricSpec<L> => ({ name, help, labelNames });

/**
 * Every metric klineflow exports. Dashboards and alert rules may only query names listed
 * here (a test checks deploy/ against this catalogue), so renaming one is a visible change.
 */
export const METRICS = {
  // ingest
  wsConnectionUp: spec('klineflow_ws_connection_up', '1 while the WebSocket connection is open and subscribed', [
    'exchange',
    'conn_id',
    'endpoint',
  ]),
  wsMessages: spec('klineflow_ws_messages_total', 'Frames received from the exchange', ['exchange']),
  wsLastMessageAge: spec('klineflow_ws_last_message_age_seconds', 'Seconds since the connection last received a frame', [
    'exchange',
    'conn_id',
  ]),
  wsReconnects: spec('klineflow_ws_reconnects_total', 'Connection re-establishments, by cause', ['exchange', 'reason']),
  wsErrors: spec('klineflow_ws_errors_total', 'Connection-level errors, by kind', ['exchange', 'kind']),
  wsStaleStreams: spec('klineflow_ws_stale_streams_total', 'Streams the watchdog found silent and resubscribed', ['exchange']),
  wsRotations: spec('klineflow_ws_rotations_total', 'Planned make-before-break rotations, by trigger', ['exchange', 'trigger']),
  wsOutages: spec('klineflow_ws_outage_windows_total', 'Windows in which a connection delivered nothing (loss to first data frame)', [
    'exchange',
  ]),
  reconnectDuration: spec('klineflow_ws_reconnect_duration_seconds', 'Time from losing a connection to data flowing again', ['exchange']),
  backfillRequests: spec('klineflow_backfill_requests_total', 'Backfill requests served, by outcome', ['exchange', 'outcome']),
  backfillBars: spec('klineflow_backfill_bars_total', 'Bars fetched over the WebSocket history APIs', ['exchange']),
  produceQueueDepth: spec('klineflow_kafka_produce_queue_depth', 'Messages waiting in the bounded producer queue', ['topic']),
  producedMessages: spec('klineflow_kafka_produced_total', 'Messages acknowledged by Kafka', ['topic']),
  produceErrors: spec('klineflow_kafka_produce_errors_total', 'Failed Kafka sends (retried)', ['topic']),
  // normalizer
  normalized: spec('klineflow_normalized_total', 'Records emitted by the normalizer', ['exchange', 'channel']),
  deadLetters: spec('klineflow_dead_letter_total', 'Frames or records sent to dead-letter, by reason', ['exchange', 'reason']),
  controlFrames: spec('klineflow_control_frames_total', 'Acks, pings, pongs and notices skipped by the normalizer', ['exchange']),
  duplicatesDropped: spec('klineflow_duplicates_dropped_total', 'Duplicate or stale kline updates dropped', ['exchange', 'kind']),
  closedBars: spec('klineflow_closed_bars_total', 'Closed bars accepted', ['exchange', 'interval']),
  missingBars: spec('klineflow_missing_bars_total', 'Closed bars found missing by the continuity check', ['exchange', 'interval']),
  filledBars: spec('klineflow_filled_bars_total', 'Missing bars later filled by backfill', ['exchange', 'interval']),
  klineGaps: spec('klineflow_kline_gaps_total', 'Gaps detected, by whether the exchange can backfill them', [
    'exchange',
    'interval',
    'backfillable',
  ]),
  sanityFlags: spec('klineflow_sanity_flags_total', 'Price-jump and volume-spike findings, by policy applied', [
    'exchange',
    'check',
    'policy',
  ]),
  exchangeLatency: spec('klineflow_exchange_latency_seconds', 'Exchange event time to receive time', ['exchange']),
  // all pipeline stages
  processingLatency: spec('klineflow_processing_latency_seconds', 'Receive time to the end of a stage (normalize, redis, clickhouse)', [
    'stage',
  ]),
  consumedMessages: spec('klineflow_consumed_total', 'Kafka messages consumed', ['topic']),
  consumerUp: spec('klineflow_consumer_up', '1 while the Kafka consumer is running', ['group']),
  consumerLag: spec(
    'klineflow_consumer_lag_messages',
    "Offsets between the group's committed offset and the partition end (whole group: every replica reports every partition; aggregate with max by (group, topic, partition))",
    ['group', 'topic', 'partition'],
  ),
  // sinks
  sinkUp: spec('klineflow_sink_up', '1 while the store answers', ['sink']),
  sinkWrites: spec('klineflow_sink_writes_total', 'Records written to the store', ['sink', 'kind']),
  sinkErrors: spec('klineflow_sink_errors_total', 'Failed writes (retried, offsets not committed)', ['sink']),
  sinkBatchDuration: spec('klineflow_sink_batch_seconds', 'Duration of one batch write', ['sink']),
  staleWritesSkipped: spec('klineflow_sink_stale_writes_skipped_total', 'Writes skipped because the store already held a newer bar', [
    'sink',
  ]),
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS]['name'];

/**
 * Latency buckets in seconds, from 0.25 ms to 10 s. The design target is p99 < 10 ms, so eight
 * boundaries lie at or below 10 ms (histogram_quantile interpolates within a bucket: at most a
 * 2.5 ms error there). 0.1 s (the processing-latency alert) and 1 s (the exchange-latency alert)
 * are boundaries, so those alerts compare against an exact bucket edge.
 */
export const LATENCY_BUCKETS = [
  0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function counter<L extends string>(registry: Registry, m: MetricSpec<L>): Counter<L> {
  return new Counter({ name: m.name, help: m.help, labelNames: m.labelNames, registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, m: MetricSpec<L>, collect?: (this: Gauge<L>) => void): Gauge<L> {
  return new Gauge({ name: m.name, help: m.help, labelNames: m.labelNames, registers: [registry], ...(collect ? { collect } : {}) });
}

export function histogram<L extends string>(registry: Registry, m: MetricSpec<L>, buckets = LATENCY_BUCKETS): Histogram<L> {
  return new Histogram({ name: m.name, help: m.help, labelNames: m.labelNames, buckets, registers: [registry] });
}
