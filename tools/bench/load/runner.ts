// One load run: clean state, probes in place, the simulator and every app as their own processes,
// a warm-up until every stream is subscribed, the measured window, a drain for the window's closed
// bars, an orderly stop, and the measurements summarised into a LoadResult.
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INTERVALS } from '@klineflow/exchanges';
import type { KlineflowConfig } from '@klineflow/config';
import { Kafka, logLevel, RAW_TOPICS, TOPICS } from '@klineflow/kafka';
import { SimControl } from '@klineflow/sim-control';
import { BENCH_EXCHANGES, type BenchExchange } from '../shared/exchanges.js';
import { appsFor, Supervisor } from '../../platform/supervisor.js';
import { checkBars, expectedBars, realToVirtual, type ClockMapping } from './bars.js';
import { benchConfig, type ExchangePlan } from './config.js';
import type { LoadOptions } from './options.js';
import { busyGroups, busyPorts, cleanState, forgetNormalizerState, platformGroups, removeBenchData } from './prepare.js';
import { ClickhouseProbe, seenPoints } from './probes/clickhouse.js';
import { LagProbe, rateBetween, sumSeries } from './probes/lag.js';
import {
  exchangeTag,
  KafkaLatencyProbe,
  RedisLatencyProbe,
  RoundTripProbe,
  sampledRedisChannels,
  PROBED_PARTITION_STEP,
} from './probes/latency.js';
import { busyShare, findServerPids, ProcSampler, readCpuLine, type ProcTarget } from './probes/procstats.js';
import { processFigures, type LatencyRow, type LoadResult } from './result.js';
import type { LatencySamples } from './samples.js';
import { lagTrend, percentiles, shareAtOrBelow, windowed, type Percentiles, type Point } from './stats.js';

const say = (line: string) => console.error(`[bench] ${line}`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WINDOW_MS = 10_000;

export class BenchAbort extends Error {}

/** What a window driver (the scale chaos run, tools/bench/chaos) gets to work with during the window. */
export interface WindowContext {
  readonly config: KlineflowConfig;
  readonly symbols: readonly string[];
  readonly plans: Record<BenchExchange, ExchangePlan>;
  readonly kafka: Kafka;
  readonly sim: SimControl;
  readonly supervisor: Supervisor;
  /** Lag points are in ms since `origin`. */
  readonly lag: LagProbe;
  readonly origin: number;
  /** Wall time the window started. */
  readonly t0: number;
  /** Sleeps, then throws if an app stopped on a configuration error. */
  readonly sleep: (ms: number) => Promise<void>;
}

/** Replaces the fixed `--minutes` window with its own: the window ends when `run` resolves. */
export interface WindowDriver {
  /** Names the output files (`<prefix>-<time>.json` …) instead of `load`. */
  readonly filePrefix: string;
  /** Lag sampling period (default 5 s). */
  readonly lagPeriodMs?: number;
  run(ctx: WindowContext): Promise<void>;
  /** After the drain, before the platform stops and the bench's data is removed. */
  afterDrain?(window: { readonly fromVirtual: number; readonly toVirtual: number }): Promise<void>;
}

function byExchange(samples: LatencySamples): Record<string, Percentiles> {
  return Object.fromEntries(BENCH_EXCHANGES.map((exchange) => [exchange, samples.summary(exchangeTag(exchange))]));
}

async function readClock(sim: SimControl): Promise<ClockMapping> {
  const before = Date.now();
  const state = await sim.state();
  const after = Date.now();
  return { realAt: (before + after) / 2, virtualAt: state.virtualNow, speed: state.speed };
}

export async function runLoad(options: LoadOptions, command: string, driver?: WindowDriver): Promise<LoadResult> {
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  mkdirSync(options.out, { recursive: true });
  const name = `${driver?.filePrefix ?? 'load'}-${stamp}`;
  const files = {
    json: path.join(options.out, `${name}.json`),
    svg: options.record ? path.join('docs', 'bench', `${name}.svg`) : path.join(options.out, `${name}.svg`),
    log: path.join(options.out, `${name}.log`),
    config: path.join(options.out, `${name}.toml`),
  };
  const bench = benchConfig(readFileSync('config/local-sim.toml', 'utf8'), options);
  const { config } = bench;
  writeFileSync(files.config, bench.toml);
  const totalStreams = BENCH_EXCHANGES.reduce((n, e) => n + bench.plans[e].streams, 0);
  say(
    `${options.symbols} symbols × ${INTERVALS.length} intervals × ${BENCH_EXCHANGES.length} exchanges, channels ${options.channels.join(',')}: ` +
      `${totalStreams} streams; connections ${BENCH_EXCHANGES.map((e) => `${e} ${bench.plans[e].connections}`).join(', ')}; speed ${options.speed}; config ${files.config}`,
  );

  const kafka = new Kafka({ clientId: 'klineflow-bench-load', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }); // failures surface as rejections; kafkajs's own lines would interleave with the progress
  const admin = kafka.admin();
  await admin.connect();
  const notes: string[] = [];
  const crashes: LoadResult['crashes'] = [];
  let supervisor: Supervisor | undefined;
  let platformStarted = false;
  /** Set when an app exits with a code no restart cures: the run cannot go on. */
  let fatal: string | undefined;
  const checkFatal = () => {
    if (fatal) throw new BenchAbort(fatal);
  };
  const sleep = async (ms: number) => {
    await pause(ms);
    checkFatal();
  };
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    // ---- preflight: the bench owns the machine and the platform's consumer groups ----
    const ports = await busyPorts(config);
    if (ports.length > 0)
      throw new BenchAbort(
        `already in use: ${ports.join(', ')}. Another platform (npm start?) is running; stop it first — the benchmark owns the machine while it runs.`,
      );
    const groups = platformGroups(config);
    const busy = await busyGroups(admin, groups);
    if (busy.length > 0) throw new BenchAbort(`consumer groups in use: ${busy.join(', ')}. Stop whatever runs them first.`);
    const cpuBefore = readCpuLine();
    await sleep(2000);
    const busyBeforeStart = busyShare(cpuBefore, readCpuLine());
    say(`machine ${Math.round(busyBeforeStart * 100)}% busy before the start`);
    if (busyBeforeStart > 0.25)
      notes.push(
        `The machine was ${Math.round(busyBeforeStart * 100)}% busy before the run started: figures include that background load.`,
      );

    const clean = await cleanState(kafka, admin, config, bench.symbols);
    say(
      `clean state: dropped ClickHouse database ${config.storage.clickhouse.database}, deleted ${clean.redisKeysDeleted} Redis keys under ${config.storage.redis.key_prefix}, ` +
        `tombstoned ${clean.normalizerStateTombstones} normalizer-state keys of the bench symbols`,
    );
    say(
      `consumer groups moved to the topics' ends (backlog skipped: ${Object.entries(clean.backlogSkipped)
        .map(([g, n]) => `${g} ${n}`)
        .join(', ')})`,
    );

    // ---- probes ----
    const origin = Date.now();
    const servers = findServerPids();
    const targets: ProcTarget[] = [
      ...(['kafka', 'redis', 'clickhouse'] as const).map((name) => ({ name, pid: () => servers[name] })),
      { name: 'bench (this process)', pid: () => process.pid },
    ];
    const sampler = new ProcSampler(targets, origin);
    const outputTopics = [TOPICS.klines, ...(options.channels.includes('ticker') ? [TOPICS.tickers] : [])];
    const otherOutputs = [
      ...(options.channels.includes('depth') ? [TOPICS.depth] : []),
      ...(options.channels.includes('trade') ? [TOPICS.trades] : []),
    ];
    const lag = new LagProbe(admin, groups.slice(0, 3), [...RAW_TOPICS, ...outputTopics, ...otherOutputs], origin, driver?.lagPeriodMs);
    const kafkaProbe = new KafkaLatencyProbe(kafka, outputTopics, `klineflow-bench-load-probe-${process.pid}`);
    const redisSample = sampledRedisChannels(
      config.storage.redis.key_prefix,
      BENCH_EXCHANGES,
      bench.symbols,
      INTERVALS,
      options.channels.includes('ticker'),
    );
    const redisProbe = new RedisLatencyProbe(config.storage.redis.url, config.storage.redis.key_prefix, redisSample.channels);
    const roundTrip = new RoundTripProbe(kafka, `klineflow-bench-load-roundtrip-${process.pid}`);
    cleanup.push(async () => admin.deleteGroups([kafkaProbe.groupId, roundTrip.groupId]).catch(() => undefined));
    await kafkaProbe.start();
    cleanup.push(() => kafkaProbe.stop());
    await redisProbe.start();
    cleanup.push(() => redisProbe.stop());
    await roundTrip.start();
    cleanup.push(() => roundTrip.stop());
    sampler.start();
    cleanup.push(async () => sampler.stop());
    lag.start();
    cleanup.push(() => lag.stop());

    // ---- the platform ----
    const log = createWriteStream(files.log);
    const warnings: Record<string, number> = {};
    const errors: Record<string, number> = {};
    const apps = appsFor(config);
    supervisor = new Supervisor(apps, {
      configPath: files.config,
      niceness: { 'exchange-sim': options.simNice },
      onLine: (app, line) => {
        log.write(`${new Date().toISOString()} [${app}] ${line}\n`);
        if (line.includes('"level":"warn"')) warnings[app] = (warnings[app] ?? 0) + 1;
        else if (line.includes('"level":"error"')) errors[app] = (errors[app] ?? 0) + 1;
      },
      onCrash: (app, code) => {
        crashes.push({ app, code, atSecond: (Date.now() - origin) / 1000 });
        say(`${app} exited with code ${code}; restarting in 1 s (see ${files.log})`);
      },
      onFatal: (proc, code) => {
        fatal = `${proc.app} stopped on a configuration error (exit code ${code}):\n${proc.stderrTail.join('\n')}`;
      },
    });
    const running = supervisor;
    for (const app of apps) sampler.add({ name: app, pid: () => running.pid(app) });
    const sim = new SimControl(`http://${config.simulator.host}:${config.simulator.ports.control}`);
    platformStarted = true;
    supervisor.start('exchange-sim');
    for (let i = 0; ; i++) {
      if (
        await sim.state().then(
          () => true,
          () => false,
        )
      )
        break;
      if (i > 100) throw new BenchAbort(`the simulator did not answer on its control port (see ${files.log})`);
      await sleep(200);
    }
    supervisor.startAll();
    say(`started ${apps.join(', ')} (output in ${files.log})`);

    // ---- warm-up: every stream subscribed, then a few update periods to settle ----
    const warmupStart = Date.now();
    for (;;) {
      const state = await sim.state();
      const short = BENCH_EXCHANGES.filter((e) => state.exchanges[e].streams < bench.plans[e].subscriptions);
      if (short.length === 0) break;
      if (Date.now() - warmupStart > options.warmupSeconds * 1000) {
        throw new BenchAbort(
          `warm-up: after ${options.warmupSeconds} s not every stream is subscribed (${short.map((e) => `${e} ${state.exchanges[e].streams}/${bench.plans[e].subscriptions}`).join(', ')})`,
        );
      }
      await sleep(1000);
    }
    const subscribedAfter = (Date.now() - warmupStart) / 1000;
    say(`every stream subscribed after ${subscribedAfter.toFixed(1)} s; settling`);
    await sleep(Math.max(10_000, 3 * config.simulator.update_interval_ms));

    // ---- the measured window ----
    const clock = await readClock(sim);
    const t0 = Date.now();
    const fromVirtual = realToVirtual(clock, t0);
    const latencySeries = new Map<string, LatencySamples>([
      ...[...kafkaProbe.samples].map(([topic, s]) => [`→ ${topic}`, s] as const),
      ...[...redisProbe.samples]
        .filter(([kind]) => kind === 'kline' || options.channels.includes('ticker'))
        .map(([kind, s]) => [`→ Redis ${kind}`, s] as const),
      ['baseline round trip', roundTrip.samples] as const,
    ]);
    const sendSplit = [kafkaProbe.beforeSend, kafkaProbe.afterSend];
    for (const s of [...latencySeries.values(), ...sendSplit]) s.start(t0);
    const chProbe = new ClickhouseProbe(config.storage.clickhouse.url, config.storage.clickhouse.database, clock, fromVirtual);
    chProbe.start();
    cleanup.push(() => chProbe.close());
    cleanup.push(() => chProbe.stop());
    const warmupSeconds = (t0 - warmupStart) / 1000;
    say(
      `window started (warm-up ${warmupSeconds.toFixed(0)} s); ${driver ? `${driver.filePrefix} drives it` : `measuring ${options.minutes} min`}`,
    );
    if (driver) await driver.run({ config, symbols: bench.symbols, plans: bench.plans, kafka, sim, supervisor, lag, origin, t0, sleep });
    // A driver's window is over when it returns: the loop below then prints one line and ends.
    const windowMs = driver ? Date.now() - t0 : options.minutes * 60_000;
    const progressEvery = windowMs <= 120_000 ? 15_000 : 60_000;
    for (let next = t0 + progressEvery; ; next += progressEvery) {
      const end = t0 + windowMs;
      await sleep(Math.max(0, Math.min(next, end) - Date.now()));
      const lagNow = [...lag.lag].map(([g, pts]) => `${g} ${pts[pts.length - 1]?.v ?? '?'}`).join(', ');
      const redisKline = redisProbe.samples.get('kline')!.lastCompleteWindow();
      say(
        `${((Date.now() - t0) / 1000).toFixed(0)} s: lag ${lagNow}; Redis kline p99 ${redisKline ? `${redisKline.p99} ms` : '–'} (last full 10 s); ClickHouse closed bars seen ${chProbe.seenCount}`,
      );
      if (Date.now() >= end) break;
    }
    const t1 = Date.now();
    for (const s of [...latencySeries.values(), ...sendSplit]) s.stop(t1);
    const toVirtual = realToVirtual(clock, t1);
    chProbe.toVirtual = toVirtual;
    await lag.sample();

    // ---- drain: the window's closed bars reaching ClickHouse ----
    const expected = expectedBars(
      { fromVirtual, toVirtual },
      BENCH_EXCHANGES,
      options.channels.includes('kline') ? INTERVALS : [],
      options.symbols,
    );
    const expectedTotal = expected.reduce((n, e) => n + e.expected, 0);
    const seenInWindow = () => chProbe.seen.filter((s) => s.close <= toVirtual).length;
    say(`window over; waiting up to ${options.drainSeconds} s for its ${expectedTotal} closed bars in ClickHouse`);
    const drainStart = Date.now();
    while (seenInWindow() < expectedTotal && Date.now() - drainStart < options.drainSeconds * 1000) await sleep(1000);
    const drainSeconds = (Date.now() - drainStart) / 1000;
    await chProbe.stop();
    const stored = await chProbe.storedCounts(fromVirtual, toVirtual);
    const barRows = checkBars(expected, stored, bench.symbols);
    await driver?.afterDrain?.({ fromVirtual, toVirtual });

    // ---- stop, in order, then the probes ----
    say('stopping the platform (producers first, sinks last)');
    await supervisor.stopAll();
    supervisor = undefined;
    log.end();
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
    await admin.deleteGroups([kafkaProbe.groupId, roundTrip.groupId]).catch(() => undefined);
    if (!options.keepData) await removeBenchData(config);
    else
      notes.push(`Data kept: Redis keys ${config.storage.redis.key_prefix}*, ClickHouse database ${config.storage.clickhouse.database}.`);

    // ---- summary ----
    const from = t0 - origin;
    const to = t1 - origin;
    const rel = (points: readonly Point[]) =>
      points.filter((p) => p.t >= from && p.t <= to).map((p) => ({ t: (p.t - from) / 1000, v: p.v }));
    const sampledSymbols = Math.ceil(bench.symbols.length / redisSample.step);
    const redisSampleText =
      redisSample.step === 1
        ? 'every symbol'
        : `every ${redisSample.step}th symbol (${sampledSymbols} of ${bench.symbols.length} per exchange)`;
    const latency: LatencyRow[] = [...latencySeries]
      .filter(([name]) => name !== 'baseline round trip')
      .map(([name, s]) => ({
        name,
        what: name.includes('Redis')
          ? `recv_time → SUBSCRIBE message on ${name.endsWith('kline') ? 'kline' : 'ticker'} channels of ${redisSampleText}`
          : `recv_time → bench consumer of ${name.slice(2)} (partitions p mod ${PROBED_PARTITION_STEP} = 0)`,
        stats: s.summary(),
        byExchange: byExchange(s),
      }));
    latency.splice(
      1,
      0,
      ...[
        {
          name: `→ ${outputTopics[0]}: before the send`,
          s: kafkaProbe.beforeSend,
          what: "of which recv_time → the normalizer's send (the record's CreateTime)",
        },
        {
          name: `→ ${outputTopics[0]}: after the send`,
          s: kafkaProbe.afterSend,
          what: `of which the normalizer's send → bench consumer of ${outputTopics[0]}`,
        },
      ].map(({ name, s, what }) => ({ name, what, stats: s.summary(), byExchange: byExchange(s) })),
    );
    const seen = chProbe.seen.filter((s) => s.close <= toVirtual);
    const fromCloseAll = seen.map((s) => s.fromClose);
    const shareWithin3s = (ms: number[]) => (expectedTotal === 0 ? Number.NaN : (shareAtOrBelow(ms, 3000) * seen.length) / expectedTotal);
    // Only the topics this run's channels feed (the redis-writer also reads depth-data, empty without depth).
    const inputOf = (topics: readonly string[]) =>
      rateBetween(sumSeries(topics.filter((t) => lag.ends.has(t)).map((t) => lag.ends.get(t)!)), from, to);
    const byTopic = Object.fromEntries([...lag.ends].map(([topic, pts]) => [topic, rateBetween(pts, from, to)]));
    // Apps first, then the stack's servers, then the bench itself.
    const processOrder = [...apps, 'kafka', 'redis', 'clickhouse', 'bench (this process)'];
    const processes = Object.fromEntries(
      processOrder
        .filter((name) => sampler.series.has(name))
        .map((name) => {
          const s = sampler.series.get(name)!;
          return [name, processFigures(s.cpu, s.rssMb, s.pids, from, to)];
        }),
    );
    const lagSeries = Object.fromEntries([...lag.lag].map(([g, pts]) => [g, rel(pts)]));
    const latencyWindows = Object.fromEntries(
      [...latencySeries].map(([name, s]) => [name, s.windows().map((w) => ({ ...w, t: w.t / 1000 }))]),
    );
    latencyWindows['→ ClickHouse (from close)'] = windowed(
      seenPoints(seen, t0, (s) => s.fromClose),
      WINDOW_MS,
      0,
      t1 - t0,
    ).map((w) => ({ ...w, t: w.t / 1000 }));
    const crowded = [...lag.maxMembers].filter(([, n]) => n > 1);
    if (crowded.length > 0) {
      notes.push(
        `Consumer groups had more members than the bench's one app at some point (${crowded.map(([g, n]) => `${g} ${n}`).join(', ')}): ` +
          "another process joined them and took partitions (or a crashed app's member had not expired yet), so the figures may not be the platform's alone.",
      );
    }
    const foreign = kafkaProbe.foreign + chProbe.foreign;
    if (foreign > 0) {
      notes.push(
        `${foreign} records of symbols other than the bench's reached the probes (Kafka ${kafkaProbe.foreign}, ClickHouse ${chProbe.foreign}) and were left out: ` +
          'something else produced to the shared topics during the run, so the frame rates and lag include its traffic.',
      );
    }
    if (kafkaProbe.unparsed + redisProbe.unparsed > 0)
      notes.push(`${kafkaProbe.unparsed + redisProbe.unparsed} records without a readable recv_time were skipped.`);
    if (roundTrip.failures > 0) notes.push(`${roundTrip.failures} baseline round-trip sends failed.`);
    if (chProbe.failedPolls > 0) notes.push(`${chProbe.failedPolls} of ${chProbe.polls} ClickHouse polls failed.`);
    const missingServers = (['kafka', 'redis', 'clickhouse'] as const).filter((s) => servers[s] === undefined);
    if (missingServers.length > 0) notes.push(`No process found for ${missingServers.join(', ')}: not in the CPU/RSS table.`);
    const cpus = os.cpus();
    return {
      version: 1,
      stamp,
      command,
      machine: {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model ?? 'unknown',
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        kernel: os.release(),
        busyBeforeStart,
      },
      scale: {
        symbolsPerExchange: options.symbols,
        exchanges: [...BENCH_EXCHANGES],
        intervals: [...INTERVALS],
        channels: [...options.channels],
        plans: bench.plans,
        totalStreams,
        speed: options.speed,
        updateIntervalMs: config.simulator.update_interval_ms,
        simulatorNiceness: options.simNice,
      },
      cleanState: clean,
      window: {
        startedAt: new Date(t0).toISOString(),
        seconds: (t1 - t0) / 1000,
        warmupSeconds,
        drainSeconds,
        drainLimitSeconds: options.drainSeconds,
        fromVirtual,
        toVirtual,
      },
      latency,
      baseline: roundTrip.samples.summary(),
      clickhouse: {
        fromClose: percentiles(fromCloseAll),
        fromRecv: percentiles(seen.map((s) => s.fromRecv)),
        receivedAfterClose: percentiles(seen.map((s) => s.fromClose - s.fromRecv)),
        byExchangeFromClose: Object.fromEntries(
          BENCH_EXCHANGES.map((e) => [e, percentiles(seen.filter((s) => s.exchange === e).map((s) => s.fromClose))]),
        ),
        within3s: shareWithin3s(fromCloseAll),
        within3sOfReceipt: shareWithin3s(seen.map((s) => s.fromRecv)),
        seen: seen.length,
        pollMsMedian: percentiles(chProbe.queryMs).p50,
        polls: chProbe.polls,
      },
      lag: Object.fromEntries(groups.slice(0, 3).map((g) => [g.groupId, lagTrend(lag.lag.get(g.groupId)!, from, to, inputOf(g.topics))])),
      throughput: {
        inPerSecond: inputOf(RAW_TOPICS),
        outPerSecond: inputOf([...outputTopics, ...otherOutputs]),
        byTopic,
        probed: Object.fromEntries([...latencySeries].map(([name, s]) => [name, s.count / ((t1 - t0) / 1000)])),
      },
      processes,
      bars: {
        rows: barRows,
        expected: expectedTotal,
        stored: barRows.reduce((n, r) => n + Math.min(r.stored, r.expected), 0),
        missing: barRows.reduce((n, r) => n + r.missing, 0),
      },
      crashes,
      logs: { file: files.log, warnings, errors },
      notes,
      series: {
        latencyWindows,
        lag: lagSeries,
        cpu: Object.fromEntries([...sampler.series].map(([name, s]) => [name, rel(s.cpu)])),
        rssMb: Object.fromEntries([...sampler.series].map(([name, s]) => [name, rel(s.rssMb)])),
      },
      files,
    };
  } finally {
    if (supervisor) await supervisor.stopAll();
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    // The normalizer has stopped: its state of the bench streams goes, whatever --keep-data says.
    if (platformStarted)
      await forgetNormalizerState(kafka, bench.symbols).catch((error: Error) =>
        say(`could not forget the bench streams' normalizer state: ${error.message}`),
      );
    await admin.disconnect();
  }
}
