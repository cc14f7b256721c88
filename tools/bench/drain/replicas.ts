// Several normalizer replicas in one consumer group (issue 8, horizontal scaling): each replica's
// own /metrics port and Kafka client id, the counter read from its /metrics, and how the work split
// between them. Pure; no processes or Kafka here.
/** /metrics port of replica `index` (0-based): the bench config's normalizer port, then every 10th above it. */
export function replicaMetricsPort(basePort: number, index: number): number {
  return basePort + index * 10;
}

/** Kafka client id prefix (config `kafka.client_id`) of replica `index`; the app adds its name and host (kafkaClientId). */
export function replicaClientId(index: number): string {
  return `klineflow-bench-r${index + 1}`;
}

/** Env overrides (libs/config KLINEFLOW__SECTION__KEY) that make replica `index` distinct. */
export function replicaEnv(basePort: number, index: number): Record<string, string> {
  return {
    KLINEFLOW__METRICS__PORTS__NORMALIZER: String(replicaMetricsPort(basePort, index)),
    KLINEFLOW__KAFKA__CLIENT_ID: replicaClientId(index),
  };
}

/**
 * The samples of one counter in a Prometheus text exposition, by label set (`topic="raw.okx"`), and
 * their sum. Comment lines and other metrics are skipped; a metric that is absent sums to 0.
 */
export function promCounter(text: string, name: string): { total: number; byLabels: Record<string, number> } {
  const byLabels: Record<string, number> = {};
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    const match = /^(?:\{([^}]*)\})?\s+(\S+)/.exec(rest);
    if (!match) continue;
    const value = Number(match[2]);
    if (!Number.isFinite(value)) continue;
    byLabels[match[1] ?? ''] = value;
    total += value;
  }
  return { total, byLabels };
}

export interface ReplicaShare {
  /** `topic:partition` the replica held at the end of the drain. */
  readonly partitions: readonly string[];
  /** Messages it consumed (its `klineflow_consumed_total`, every topic). */
  readonly frames: number;
}

export interface SplitSummary {
  readonly replicas: number;
  /** Frames consumed by all replicas together; above the range when a rebalance made some be read twice. */
  readonly frames: number;
  /** frames − the range: read twice (after a rebalance) if positive, not counted if negative. */
  readonly excessFrames: number;
  /** Each replica's part of `frames`, 0…1. */
  readonly shares: readonly number[];
  /** Most frames of a replica / the mean: 1 is an even split, N is one replica doing everything. */
  readonly imbalance: number;
  readonly partitionCounts: readonly number[];
  /** Partitions of the range that no replica held at the end. */
  readonly unassigned: readonly string[];
  /** Partitions held by more than one replica (never, in one group generation). */
  readonly shared: readonly string[];
}

/** How the work split between the replicas of one drain, over the partitions of the range. */
export function splitSummary(replicas: readonly ReplicaShare[], rangeMessages: number, rangePartitions: readonly string[]): SplitSummary {
  const frames = replicas.reduce((sum, r) => sum + r.frames, 0);
  const mean = replicas.length > 0 ? frames / replicas.length : 0;
  const holders = new Map<string, number>();
  for (const r of replicas) for (const p of new Set(r.partitions)) holders.set(p, (holders.get(p) ?? 0) + 1);
  return {
    replicas: replicas.length,
    frames,
    excessFrames: frames - rangeMessages,
    shares: replicas.map((r) => (frames > 0 ? r.frames / frames : Number.NaN)),
    imbalance: mean > 0 ? Math.max(...replicas.map((r) => r.frames)) / mean : Number.NaN,
    partitionCounts: replicas.map((r) => new Set(r.partitions).size),
    unassigned: rangePartitions.filter((p) => !holders.has(p)),
    shared: [...holders].filter(([, n]) => n > 1).map(([p]) => p),
  };
}

/** Combined rate of N replicas over the single replica's rate in the same run. */
export function scaling(combinedPerSecond: number, singlePerSecond: number | undefined): number | undefined {
  if (singlePerSecond === undefined || !(singlePerSecond > 0)) return undefined;
  return combinedPerSecond / singlePerSecond;
}
