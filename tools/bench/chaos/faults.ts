// The scale chaos run's window: a pre-fault period that sets each consumer group's lag level, then
// each fault once, watched until the platform is back (first fresh frame in Redis and ClickHouse, every
// group's lag at or below its level, every stream subscribed again) or the watch limit, then the next.
// After the drain: every closed bar owed in the window checked against ClickHouse, per fault segment.
import { spawn } from 'node:child_process';
import { INTERVAL_MS } from '@klineflow/exchanges';
import { EXCHANGE_FACTS } from '@klineflow/exchange-modules/facts';
import type { AppName } from '@klineflow/process-runner';
import type { ClickHouseClient } from '@clickhouse/client';
import { BENCH_EXCHANGES, type BenchExchange } from '../shared/exchanges.js';
import { realToVirtual, type ClockMapping } from '../load/bars.js';
import { portInUse } from '../load/prepare.js';
import { sampledRedisChannels } from '../load/probes/latency.js';
import type { WindowContext, WindowDriver } from '../load/runner.js';
import { benchGaps, clickhouseClient, clickhouseFirstRow, RedisFirstFrame, storedBars } from './observe.js';
import { auditBars, lagLevel, lagRecovery, type BarAudit, type LagRecovery } from './recovery.js';

/** Consumer groups whose lag recovery is measured. */
export const GROUPS = ['normalizer', 'redis-writer', 'clickhouse-sink'] as const;
export const KILLABLE = ['normalizer', 'redis-writer', 'clickhouse-sink'] as const;
export type Fault = `drop:${BenchExchange}` | `kill:${(typeof KILLABLE)[number]}` | 'kafka-restart';
export const FAULTS: readonly Fault[] = [
  ...BENCH_EXCHANGES.map((e) => `drop:${e}` as const),
  ...KILLABLE.map((a) => `kill:${a}` as const),
  'kafka-restart',
];
/** Default sequence: (a) a drop of a backfilling exchange and of the hot-standby one, (e) the normalizer and a sink, (g) the broker. */
export const DEFAULT_FAULTS: readonly Fault[] = ['drop:binance', 'drop:okx', 'kill:normalizer', 'kill:clickhouse-sink', 'kafka-restart'];
/** Exchanges without kline history over WebSocket: run on hot standby (redundancy 2), as in the chaos suite. */
export const STANDBY_EXCHANGES: readonly BenchExchange[] = BENCH_EXCHANGES.filter((e) => !EXCHANGE_FACTS[e].limits.hasWebSocketHistory);
export const STANDBY_REDUNDANCY = 2;

export interface ChaosTiming {
  readonly preSeconds: number;
  readonly minWatchSeconds: number;
  readonly watchSeconds: number;
}

export interface FaultResult {
  readonly fault: Fault;
  /** ISO time and seconds into the window at which it was injected. */
  readonly at: string;
  readonly atSecond: number;
  /** Seconds watched, until the next fault (or the end of the window). */
  readonly watchedSeconds: number;
  /** A killed app's new process, the broker accepting connections: ms after the fault. */
  readonly serviceBackAfterMs: number | null;
  /** Every stream of the dropped exchange subscribed again (simulator count): ms after the fault. */
  readonly resubscribedAfterMs: number | null;
  /** First record received after the fault (of the dropped exchange; of any for the others) in Redis / in ClickHouse: ms after the fault; null if not within the watch. */
  readonly firstFrameRedisMs: number | null;
  readonly firstFrameClickhouseMs: number | null;
  readonly lag: Record<string, LagRecovery>;
  bars?: BarAudit;
}

export interface ChaosResult {
  readonly timing: ChaosTiming;
  readonly faults: Fault[];
  readonly standby: { readonly exchanges: readonly string[]; readonly redundancy: number };
  readonly lagPeriodMs: number;
  /** Each group's pre-fault lag level (p95 over the pre-fault period) and its sample count. */
  readonly levels: Record<string, { readonly level: number; readonly samples: number }>;
  readonly preFault: { bars?: BarAudit };
  readonly results: FaultResult[];
  whole?: BarAudit;
  /** Times Kafka, Redis or ClickHouse refused connections during the window (the broker's own restart included). */
  readonly outages: Array<{ service: string; from: string; to?: string }>;
  gaps?: { readonly opened: Record<string, number>; readonly records: number };
  readonly notes: string[];
}

const LAG_PERIOD_MS = 2000;

/** Runs tools/stack/stack.sh with `args` without blocking the event loop (the probes keep sampling). */
function stackScript(...args: string[]): Promise<number | null> {
  const child = spawn('bash', ['tools/stack/stack.sh', ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve) => child.once('exit', resolve));
}

export class ScaleChaos implements WindowDriver {
  readonly filePrefix = 'chaos-scale';
  readonly lagPeriodMs = LAG_PERIOD_MS;
  readonly result: ChaosResult;
  private ctx?: WindowContext;
  private clock?: ClockMapping;
  private client?: ClickHouseClient;
  /** Wall time of each segment's start: the window start, then each fault. */
  private readonly segmentStarts: number[] = [];
  private windowStart = 0;

  constructor(
    readonly faults: readonly Fault[],
    readonly timing: ChaosTiming,
  ) {
    this.result = {
      timing,
      faults: [...faults],
      standby: { exchanges: STANDBY_EXCHANGES, redundancy: STANDBY_REDUNDANCY },
      lagPeriodMs: LAG_PERIOD_MS,
      levels: {},
      preFault: {},
      results: [],
      outages: [],
      notes: [],
    };
  }

  async run(ctx: WindowContext): Promise<void> {
    this.ctx = ctx;
    const say = (line: string) => console.error(`[chaos] ${line}`);
    const { config } = ctx;
    const before = Date.now();
    const state = await ctx.sim.state();
    this.clock = { realAt: (before + Date.now()) / 2, virtualAt: state.virtualNow, speed: state.speed };
    this.windowStart = ctx.t0;
    this.segmentStarts.push(ctx.t0);
    const client = (this.client = clickhouseClient(config.storage.clickhouse.url));
    const database = config.storage.clickhouse.database;
    // The 1m channels of bench:load's Redis sample (about 100 symbols per exchange): any fresh record will do, and fewer channels cost less.
    const { channels } = sampledRedisChannels(config.storage.redis.key_prefix, BENCH_EXCHANGES, ctx.symbols, ['1m'], false);
    const redis = new RedisFirstFrame(config.storage.redis.url, config.storage.redis.key_prefix, channels);
    await redis.start();
    const stopWatching = this.watchServices(ctx);
    try {
      say(`pre-fault period: ${this.timing.preSeconds} s for each group's lag level`);
      await ctx.sleep(Math.max(0, ctx.t0 + this.timing.preSeconds * 1000 - Date.now()));
      const preEnd = Date.now() - ctx.origin;
      for (const group of GROUPS) {
        const points = ctx.lag.lag.get(group) ?? [];
        const from = ctx.t0 - ctx.origin;
        this.result.levels[group] = {
          level: lagLevel(points, from, preEnd),
          samples: points.filter((p) => p.t >= from && p.t < preEnd).length,
        };
      }
      say(`levels (p95 of the pre-fault lag): ${GROUPS.map((g) => `${g} ${this.result.levels[g]!.level}`).join(', ')}`);

      for (const [i, fault] of this.faults.entries()) {
        const result = await this.inject(fault, redis, client, database);
        this.result.results.push(result);
        say(
          `${fault}: first frame again Redis ${result.firstFrameRedisMs ?? '–'} ms, ClickHouse ${result.firstFrameClickhouseMs ?? '–'} ms; ` +
            `lag back to level ${GROUPS.map((g) => `${g} ${result.lag[g]?.backAfterMs ?? 'not'} ms`).join(', ')}` +
            (i < this.faults.length - 1 ? '; next fault' : ''),
        );
      }
    } finally {
      stopWatching();
      await redis.stop();
    }
    for (const o of this.result.outages)
      this.result.notes.push(`${o.service} refused connections from ${o.from} to ${o.to ?? 'the end of the window'}.`);
  }

  /**
   * Probes the stack's ports every second: a store stopped by something outside the run (the machine is
   * shared) would otherwise pass for the platform's slowness.
   */
  private watchServices(ctx: WindowContext): () => void {
    const port = (url: string, fallback: number) => Number(new URL(url).port || fallback);
    const services = [
      { service: 'Kafka', port: port(`tcp://${ctx.config.kafka.brokers[0]}`, 9092) },
      { service: 'Redis', port: port(ctx.config.storage.redis.url, 6379) },
      { service: 'ClickHouse', port: port(ctx.config.storage.clickhouse.url, 8123) },
    ];
    const open = new Map<string, { service: string; from: string; to?: string }>();
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void Promise.all(
        services.map(async ({ service, port }) => {
          const up = await portInUse(port);
          const now = new Date().toISOString();
          const outage = open.get(service);
          if (!up && !outage) {
            const o = { service, from: now };
            open.set(service, o);
            this.result.outages.push(o);
          } else if (up && outage) {
            outage.to = now;
            open.delete(service);
          }
        }),
      ).finally(() => (busy = false));
    }, 1000);
    return () => clearInterval(timer);
  }

  /** Injects one fault and watches it; returns when recovered (after the minimum watch) or at the watch limit. */
  private async inject(fault: Fault, redis: RedisFirstFrame, client: ClickHouseClient, database: string): Promise<FaultResult> {
    const ctx = this.ctx!;
    const [kind, target] = fault.split(':') as [string, string | undefined];
    const watchMs = this.timing.watchSeconds * 1000;
    const at = Date.now();
    this.segmentStarts.push(at);
    const exchange = kind === 'drop' ? target : undefined;
    let serviceBack: Promise<number | null> = Promise.resolve(null);
    let stackUp: Promise<unknown> = Promise.resolve();
    let resubscribed: Promise<number | null> = Promise.resolve(null);
    if (kind === 'drop') {
      await ctx.sim.drop(target!);
      const e = target as BenchExchange;
      resubscribed = this.until(
        at + watchMs,
        async () => {
          const state = await ctx.sim.state().catch(() => undefined);
          return state !== undefined && state.exchanges[e].streams >= ctx.plans[e].subscriptions;
        },
        1000,
      );
    } else if (kind === 'kill') {
      const app = target as AppName;
      const before = ctx.supervisor.pid(app);
      await ctx.supervisor.processes.get(app)!.crash();
      serviceBack = this.until(at + watchMs, async () => {
        const pid = ctx.supervisor.pid(app);
        return pid !== undefined && pid !== before;
      });
    } else {
      const port = Number(new URL(`tcp://${ctx.config.kafka.brokers[0]}`).port || 9092);
      const stopped = await stackScript('stop', 'kafka');
      if (stopped !== 0) this.result.notes.push(`tools/stack/stack.sh stop kafka exited with ${stopped}`);
      stackUp = stackScript('up').then((code) => {
        if (code !== 0) this.result.notes.push(`tools/stack/stack.sh up after the broker stop exited with ${code}`);
      });
      serviceBack = this.until(at + watchMs, () => portInUse(port), 50);
    }
    // Records keep flowing while the broker shuts down (stack.sh stop takes seconds): after a broker
    // restart, the first frame again is the first one received after the broker accepted connections,
    // as in the chaos suite; after the other faults, the first one received after the fault.
    const freshAfter = kind === 'kafka-restart' ? serviceBack.then((t) => t ?? at + watchMs) : Promise.resolve(at);
    const remaining = (from: number) => Math.max(0, at + watchMs - from);
    const firstRedis = freshAfter.then((after) => redis.firstAfter(after, exchange, remaining(Date.now())));
    const firstClickhouse = freshAfter.then((after) => clickhouseFirstRow(client, database, after, exchange, remaining(Date.now())));
    const since = (t: number | null) => (t === null ? null : t - at);
    const levels = this.result.levels;
    // Watch: at least the minimum, then until every sign of recovery is in or the limit passes.
    let redisAt: number | null | undefined;
    let clickhouseAt: number | null | undefined;
    let backAt: number | null | undefined;
    let resubscribedAt: number | null | undefined;
    let stackDone = false;
    void stackUp.then(() => (stackDone = true));
    void firstRedis.then((t) => (redisAt = t));
    void firstClickhouse.then((t) => (clickhouseAt = t));
    void serviceBack.then((t) => (backAt = t));
    void resubscribed.then((t) => (resubscribedAt = t));
    for (;;) {
      await ctx.sleep(1000);
      const now = Date.now();
      if (now - at >= watchMs) break;
      if (now - at < this.timing.minWatchSeconds * 1000) continue;
      if (redisAt === undefined || clickhouseAt === undefined || backAt === undefined || resubscribedAt === undefined || !stackDone)
        continue;
      const lagBack = GROUPS.every((g) => {
        const r = lagRecovery(ctx.lag.lag.get(g) ?? [], levels[g]!.level, at - ctx.origin, now - ctx.origin);
        const last = (ctx.lag.lag.get(g) ?? []).at(-1);
        return r.backAfterMs !== null && last !== undefined && last.t > at - ctx.origin && last.v <= levels[g]!.level;
      });
      if (lagBack) break;
    }
    await stackUp;
    const until = Date.now();
    const lag = Object.fromEntries(
      GROUPS.map((g) => [g, lagRecovery(ctx.lag.lag.get(g) ?? [], levels[g]!.level, at - ctx.origin, until - ctx.origin)]),
    );
    return {
      fault,
      at: new Date(at).toISOString(),
      atSecond: (at - this.windowStart) / 1000,
      watchedSeconds: (until - at) / 1000,
      serviceBackAfterMs: since(await serviceBack),
      resubscribedAfterMs: since(await resubscribed),
      firstFrameRedisMs: since(await firstRedis),
      firstFrameClickhouseMs: since(await firstClickhouse),
      lag,
    };
  }

  /** The time at which `check` first held, polling every `periodMs`; null if not by `deadline`. */
  private async until(deadline: number, check: () => Promise<boolean>, periodMs = 100): Promise<number | null> {
    while (Date.now() < deadline) {
      if (await check()) return Date.now();
      await new Promise((r) => setTimeout(r, periodMs));
    }
    return null;
  }

  async afterDrain(window: { readonly fromVirtual: number; readonly toVirtual: number }): Promise<void> {
    const ctx = this.ctx!;
    const client = this.client!;
    const database = ctx.config.storage.clickhouse.database;
    try {
      const [final, raw, gaps] = await Promise.all([
        storedBars(client, database, window.fromVirtual, window.toVirtual, true),
        storedBars(client, database, window.fromVirtual, window.toVirtual, false),
        benchGaps(ctx.kafka, ctx.origin),
      ]);
      const streams = { exchanges: BENCH_EXCHANGES, symbols: ctx.symbols, intervals: INTERVAL_MS };
      const opened = gaps.filter((g) => g.status === 'open');
      this.result.gaps = {
        records: gaps.length,
        opened: Object.fromEntries(BENCH_EXCHANGES.map((e) => [e, opened.filter((g) => g.exchange === e).length])),
      };
      // Segments on the exchange clock: before the first fault, then each fault until the next (the last until the window's end).
      const bounds = [window.fromVirtual, ...this.segmentStarts.slice(1).map((t) => realToVirtual(this.clock!, t)), window.toVirtual];
      const audit = (from: number, to: number, fault?: Fault) => {
        // Only a drop of a hot-standby exchange takes down both of its connections: only then may its bars go missing (reported).
        const dropped = fault?.startsWith('drop:') ? fault.slice(5) : undefined;
        const mayLose = dropped && (STANDBY_EXCHANGES as readonly string[]).includes(dropped) ? [dropped] : [];
        return auditBars({ fromVirtual: from, toVirtual: to }, streams, final, raw, gaps, mayLose);
      };
      this.result.preFault.bars = audit(bounds[0]!, bounds[1]!);
      for (const [i, r] of this.result.results.entries()) r.bars = audit(bounds[i + 1]!, bounds[i + 2]!, r.fault);
      const segments = [this.result.preFault.bars, ...this.result.results.map((r) => r.bars!)];
      const sum = (pick: (a: BarAudit) => number) => segments.reduce((n, a) => n + pick(a), 0);
      this.result.whole = {
        owed: sum((a) => a.owed),
        stored: sum((a) => a.stored),
        missing: Object.fromEntries(BENCH_EXCHANGES.map((e) => [e, sum((a) => a.missing[e] ?? 0)])),
        reported: sum((a) => a.reported),
        lost: sum((a) => a.lost),
        lostExamples: segments.flatMap((a) => a.lostExamples).slice(0, 5),
        duplicatesFinal: sum((a) => a.duplicatesFinal),
        duplicatesRaw: sum((a) => a.duplicatesRaw),
      };
    } finally {
      await client.close();
    }
  }
}
