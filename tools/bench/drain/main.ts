// npm run bench:drain [-- --frames 1000000 --symbols 1200 --only normalizer,redis-writer,clickhouse-sink]
// Drain benchmark of each consumer (issue 8): pre-fill Kafka with real-shaped frames, then let one
// built app process drain them from its group's offsets before the fill, next to a bare kafkajs
// consume loop over the same messages in the same run; with --replicas N, N normalizer processes
// drain them together in the normalizer group. See tools/bench/drain/README.md.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@klineflow/config';
import { createKafka, ensureTopics, kafkaClientId, RAW_TOPICS, TOPICS } from '@klineflow/kafka';
import { APP_NODE_FLAGS } from '@klineflow/process-runner';
import { integrityPolicy, Normalizer } from '../../../apps/normalizer/src/pipeline.js';
import { LOCAL_STACK, writeBenchConfig } from './config.js';
import { fillRawInParallel, fillRecords, RECORD_TOPICS, type FillResult } from './fill.js';
import { BENCH_EPOCH_MS, benchExchanges, benchStreamKeys, FrameGenerator } from './generate.js';
import {
  activeReaders,
  clearStreamStates,
  endOffsets,
  groupAssignment,
  groupMembers,
  setGroupOffsets,
  skippedBacklog,
  skipRange,
} from './kafka.js';
import { parseOptions, type DrainOptions, APPS, type AppName } from './options.js';
import { rangeSize, splitPartitionKey, type Offsets } from './range.js';
import {
  compare,
  consoleTable,
  replicaLines,
  type ConsumerResult,
  type ProcessFigures,
  type ReplicaFigures,
  type ReplicaReport,
} from './report.js';
import { promCounter, replicaClientId, replicaEnv, replicaMetricsPort, scaling, splitSummary } from './replicas.js';
import { markdownSection, type RunRecord } from './record.js';
import { measureDrain } from './run-consumer.js';
import { clearRedisPrefix, countBenchBars, countRedisKeys, dropBenchTable } from './stores.js';
import { bundle } from './build.js';
import { acquireStackLock, otherBenchmarks } from '../shared/stack-lock.js';

const OUT = 'dist/bench/drain';
const SIDE_TOPICS = [TOPICS.deadLetter, TOPICS.klineGaps, TOPICS.backfillRequests, TOPICS.normalizerState];
const SINK_TOPICS: Record<Exclude<AppName, 'normalizer'>, readonly string[]> = {
  'redis-writer': RECORD_TOPICS,
  'clickhouse-sink': [TOPICS.klines],
};
/** The consumer settings each app uses (libs/kafka groupConsumerConfig; the sinks long-poll 250 ms). */
const MAX_WAIT_MS: Record<AppName, number> = { normalizer: 500, 'redis-writer': 250, 'clickhouse-sink': 250 };

const log = (line: string) => console.error(`[bench:drain] ${line}`);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function only(offsets: Offsets, topics: readonly string[]): Map<string, bigint> {
  return new Map([...offsets].filter(([key]) => topics.includes(splitPartitionKey(key).topic)));
}

function delta(before: Offsets, after: Offsets, topic: string): number {
  return rangeSize(only(before, [topic]), only(after, [topic]));
}

function git(args: string[]): string {
  return spawnSync('git', args, { encoding: 'utf8' }).stdout.trim();
}

const options: DrainOptions = parseOptions(process.argv.slice(2));
const runApps = APPS.filter((a) => options.only.includes(a));
mkdirSync(OUT, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');

if (options.stack) {
  log('local stack: tools/stack/stack.sh up');
  if (spawnSync('bash', ['tools/stack/stack.sh', 'up'], { stdio: 'inherit' }).status !== 0)
    throw new Error('the local stack did not come up');
}
const configPath = writeBenchConfig(OUT, LOCAL_STACK);
const config = loadConfig(['--config', configPath], {});
const kafka = createKafka(config.kafka, 'bench-drain');
const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, config.kafka.partitions);

const baselineGroup = (app: AppName) => `klineflow-bench-drain-baseline-${app}`;
const WATCHED = [...RAW_TOPICS, ...RECORD_TOPICS];
/**
 * What stands in the way of a clean run now, or nothing. Every app group must be stopped, whichever
 * runs: a running normalizer would take the benchmark frames, running sinks would write the benchmark
 * records into the real Redis keys and ClickHouse tables. No other consumer may read the benchmark's
 * topics (a stack test's normalizer in its own group would), and no other benchmark runner may have
 * been seen within 90 s (the load benchmark starts the platform in the app groups a while after it starts).
 */
let otherBenchmarkSeenAt = 0;
async function obstacles(): Promise<string[]> {
  const found: string[] = [];
  const others = otherBenchmarks('drain');
  if (others.length > 0) otherBenchmarkSeenAt = Date.now();
  if (others.length > 0) found.push(`another benchmark is running (${others.join('; ')})`);
  else if (otherBenchmarkSeenAt > 0 && Date.now() - otherBenchmarkSeenAt < 90_000) found.push('another benchmark ended less than 90 s ago');
  for (const group of [...APPS, ...runApps.map(baselineGroup)]) {
    const members = await groupMembers(admin, group);
    if (members > 0) found.push(`consumer group ${group} has ${members} member(s) running`);
  }
  // An ingest app (a member of its backfill group) writes live frames into the range: their exchange
  // time would run the HTX clock past the benchmark bars, which the normalizer would then close and fetch.
  const ingest = (await admin.listGroups()).groups.filter((g) => /ingest-(binance|okx|huobi)-backfill$/.test(g.groupId));
  for (const { groupId } of ingest) if ((await groupMembers(admin, groupId)) > 0) found.push(`an ingest app is running (group ${groupId})`);
  const readers = await activeReaders(admin, WATCHED);
  if (readers.length > 0) found.push(`other consumers read ${WATCHED.join(', ')}: ${readers.join(', ')}`);
  return found;
}

/** Waits (up to `waitMs`) until nothing stands in the way; throws naming what still does. */
async function requireMachineToOurselves(waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  let reported = '';
  for (;;) {
    const found = await obstacles();
    if (found.length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `the benchmark needs the app groups and topics to itself: ${found.join('; ')}. Stop those (npm start, tests, a load benchmark) or pass --wait-idle <seconds>`,
      );
    }
    if (found.join() !== reported) log(`waiting: ${(reported = found.join()).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
// Another benchmark that takes the same lock (tools/bench/shared/stack-lock.ts) is waited for.
await acquireStackLock('npm run bench:drain', options.waitIdleMs);
log(
  `checking that nothing else uses the app groups and benchmark topics${options.waitIdleMs ? ` (waiting up to ${options.waitIdleMs / 1000} s)` : ''}`,
);
await requireMachineToOurselves(options.waitIdleMs);
// Built after the wait, so the figures are those of the code as it is when the run starts.
if (options.build) {
  log(`building ${runApps.join(', ')} and the baseline consumer`);
  if (spawnSync(process.execPath, ['tools/build.mjs', ...runApps], { stdio: 'inherit' }).status !== 0) throw new Error('build failed');
}
const baselineJs = await bundle('baseline-consumer', OUT, options.build);
const fillWorkerJs = await bundle('fill-worker', OUT, options.build);
await requireMachineToOurselves(0);

// The same exchange times every run (the benchmark streams' state is cleared before and after), in
// the past: the normalizer's HTX clock never runs backwards, so frames older than every real stream's
// pending bar cannot close one (frames stamped "now" closed 200 restored HTX bars of another run's
// symbols and asked for their history). Half a second into a minute, so no update lands on a bar boundary.
const startTime = BENCH_EPOCH_MS;
const generatorOptions = { symbolsPerExchange: options.symbols, startTime, stepMs: options.stepMs };
const streamKeys = benchStreamKeys(generatorOptions);
const results: ConsumerResult[] = [];
const record: RunRecord = {
  started: new Date().toISOString(),
  git: { commit: git(['rev-parse', '--short', 'HEAD']), dirty: git(['status', '--porcelain', '--', 'apps', 'libs']) !== '' },
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: os.loadavg() },
  options,
  results,
  notes: [],
};
const cleanups: Array<() => Promise<unknown>> = [];
const cleanUp = async () => {
  for (const step of cleanups.splice(0).reverse())
    await step().catch((error: unknown) => log(`clean-up failed: ${(error as Error).message}`));
};
process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

let failure: Error | undefined;
try {
  let sinkStart: Offsets | undefined;
  let sinkEnd: Offsets | undefined;

  if (runApps.includes('normalizer')) {
    // No stream of the benchmark may resume from an earlier run's state: it would see a hole and ask the exchange for it.
    await clearStreamStates(kafka, streamKeys);
    cleanups.push(() => clearStreamStates(kafka, streamKeys));
    const start = await endOffsets(admin, RAW_TOPICS);
    const skipped = await skippedBacklog(admin, 'normalizer', start);
    if (skipped > 0) log(`the normalizer group had ${int(skipped)} unread raw frames before the fill: they are skipped`);
    const filled = benchExchanges(generatorOptions);
    log(
      `filling ${filled.map((e) => `raw.${e}`).join(', ')} with ${int(options.frames)} frames (${options.symbols} symbols × 6 intervals × ${filled.length} exchanges + tickers)`,
    );
    const { result: fill, expected } = await fillRawInParallel(fillWorkerJs, configPath, generatorOptions, options.frames);
    log(
      `filled ${int(fill.messages)} frames, ${int(fill.bytes / 1048576)} MiB in ${fill.seconds.toFixed(1)} s (${int(fill.messages / fill.seconds)}/s)`,
    );
    const end = await endOffsets(admin, RAW_TOPICS);
    // Parked past the frames until its drain: a normalizer someone starts meanwhile skips them.
    await setGroupOffsets(admin, 'normalizer', end);
    const foreign = rangeSize(start, end) - fill.messages;
    if (foreign !== 0) log(`${int(foreign)} frames in the range were written by something else (an ingest app running?)`);
    const asText = (offsets: Offsets) => Object.fromEntries([...offsets].map(([k, v]) => [k, v.toString()]));
    const baseline = await baselineDrain('normalizer', RAW_TOPICS, start, end);
    // One normalizer drain a replica count (--replicas 1,2), one after the other over the same range:
    // the group is moved back to its start and the streams' state forgotten before each.
    let spanStart: Offsets | undefined;
    const drains: Array<{ replicas: number; written: Record<string, number> }> = [];
    for (const count of options.replicas) {
      const outputsBefore = await endOffsets(admin, [...RECORD_TOPICS, ...SIDE_TOPICS]);
      spanStart ??= outputsBefore;
      const normalizer = await appDrain('normalizer', RAW_TOPICS, start, end, baseline, count, [
        'dist/apps/normalizer/main.js',
        '--config',
        configPath,
      ]);
      // At once, not at the end of the run: a normalizer started later (or the next drain) must not resume the benchmark streams.
      await clearStreamStates(kafka, streamKeys);
      const outputsAfter = await endOffsets(admin, [...RECORD_TOPICS, ...SIDE_TOPICS]);
      const written = Object.fromEntries([...RECORD_TOPICS, ...SIDE_TOPICS].map((t) => [t, delta(outputsBefore, outputsAfter, t)]));
      drains.push({ replicas: count, written });
      record.normalizer = {
        fill,
        foreignFrames: foreign,
        skippedBacklog: skipped,
        expected,
        written,
        offsets: { rawStart: asText(start), rawEnd: asText(end), outputsBefore: asText(outputsBefore), outputsAfter: asText(outputsAfter) },
        ...(options.replicas.length > 1 ? { drains } : {}),
      };
      const which = options.replicas.length > 1 ? ` (${count} replica${count > 1 ? 's' : ''})` : '';
      for (const topic of [TOPICS.deadLetter, TOPICS.klineGaps, TOPICS.backfillRequests]) {
        if ((written[topic] ?? 0) > 0)
          record.notes.push(
            `the normalizer${which} wrote ${int(written[topic] ?? 0)} messages to ${topic} during the drain (expected none)`,
          );
      }
      if (foreign === 0 && written[TOPICS.klines] !== expected.klines)
        record.notes.push(
          `kline-data got ${int(written[TOPICS.klines] ?? 0)} records from the normalizer${which}, the generator expected ${int(expected.klines)}`,
        );
      results.push(normalizer);
      // The sinks drain the records of the last normalizer drain (every drain writes the same records).
      sinkStart = only(outputsBefore, RECORD_TOPICS);
      sinkEnd = only(outputsAfter, RECORD_TOPICS);
    }
    withScaling(results);
    // Every normalizer drain's records lie between spanStart and sinkEnd: the sinks skip or park past all of them.
    const spanFrom = only(spanStart!, RECORD_TOPICS);
    for (const sink of runApps.filter((a): a is Exclude<AppName, 'normalizer'> => a !== 'normalizer')) {
      const skippedRecords = await skippedBacklog(admin, sink, only(spanFrom, SINK_TOPICS[sink]));
      if (skippedRecords > 0) log(`the ${sink} group had ${int(skippedRecords)} unread records before the range: they are skipped`);
      // Parked past the records until its drain, as the normalizer group was.
      await setGroupOffsets(admin, sink, only(sinkEnd!, SINK_TOPICS[sink]));
    }
    // Sinks not benchmarked now must not write these records into the real Redis and ClickHouse later.
    for (const sink of (['redis-writer', 'clickhouse-sink'] as const).filter((a) => !runApps.includes(a))) {
      const { moved, behind } = await skipRange(admin, sink, only(spanFrom, SINK_TOPICS[sink]), only(sinkEnd!, SINK_TOPICS[sink]));
      log(`${sink} group moved past the benchmark records on ${moved} partitions`);
      if (behind > 0)
        record.notes.push(
          `the ${sink} group was behind on ${behind} partitions and was left there: it will write benchmark records (symbols DRN*) into the real stores when it runs`,
        );
    }
  }

  const sinks = runApps.filter((a): a is Exclude<AppName, 'normalizer'> => a !== 'normalizer');
  if (sinks.length > 0 && (!sinkStart || !sinkEnd)) {
    // Without a normalizer drain in this run: the real Normalizer, in this process, makes the records.
    const normalizer = new Normalizer(integrityPolicy(config.integrity), config.integrity.inferred_close_grace_ms);
    sinkStart = await endOffsets(admin, RECORD_TOPICS);
    log(`filling ${RECORD_TOPICS.join(', ')} with the records of ${int(options.frames)} frames, normalized in-process`);
    const fill: FillResult & { frames: number } = await fillRecords(
      kafka,
      new FrameGenerator(generatorOptions),
      options.frames,
      normalizer,
    );
    log(`filled ${int(fill.messages)} records in ${fill.seconds.toFixed(1)} s`);
    sinkEnd = await endOffsets(admin, RECORD_TOPICS);
    record.sinkFill = fill;
  }
  for (const sink of sinks) {
    const topics = SINK_TOPICS[sink];
    const start = only(sinkStart!, topics);
    const end = only(sinkEnd!, topics);
    const clear = sink === 'redis-writer' ? () => clearRedisPrefix(LOCAL_STACK.redisUrl) : () => dropBenchTable(LOCAL_STACK.clickhouseUrl);
    await clear();
    cleanups.push(clear);
    const baseline = await baselineDrain(sink, topics, start, end);
    results.push(await appDrain(sink, topics, start, end, baseline, 1, [`dist/apps/${sink}/main.js`, '--config', configPath]));
    const stored = sink === 'redis-writer' ? await countRedisKeys(LOCAL_STACK.redisUrl) : await countBenchBars(LOCAL_STACK.clickhouseUrl);
    record.notes.push(
      sink === 'redis-writer'
        ? `redis-writer left ${int(stored)} keys under its benchmark prefix (removed after the run)`
        : `clickhouse-sink stored ${int(stored)} distinct bars (table dropped after the run)`,
    );
  }
} catch (error) {
  // What was measured before the failure is still written out, with the error; nothing goes to BENCHMARKS.md.
  failure = error as Error;
  record.notes.push(`ERROR: the run stopped: ${failure.message.split('\n')[0]}`);
} finally {
  await cleanUp();
  await admin.disconnect();
}

record.finished = new Date().toISOString();
console.log(`\n${consoleTable(results)}\n`);
for (const line of results.flatMap((r) => (r.replicas && (r.replicas.count > 1 || options.replicas.length > 1) ? replicaLines(r) : [])))
  console.log(line);
for (const note of record.notes) console.log(`- ${note}`);
const jsonFile = path.join('dist/bench', `drain-${stamp}.json`);
writeFileSync(jsonFile, `${JSON.stringify(record, null, 2)}\n`);
log(`wrote ${jsonFile}`);
const recordIt = options.record ?? (options.frames >= 1_000_000 && runApps.length === APPS.length);
if (failure) {
  console.error(failure);
  process.exit(1);
}
if (recordIt) {
  appendFileSync('BENCHMARKS.md', markdownSection(record));
  log('appended a section to BENCHMARKS.md');
} else {
  log('BENCHMARKS.md not touched (a full run of ≥ 1M frames of every consumer records itself; --record forces it)');
}
process.exit(0);

/** The bare-consume baseline over the range, from the range's start, in its own group (deleted after). */
async function baselineDrain(app: AppName, topics: readonly string[], start: Offsets, end: Offsets): Promise<ProcessFigures> {
  const group = baselineGroup(app);
  log(`${app}: baseline (bare kafkajs consume loop, group ${group}) over ${int(rangeSize(start, end))} messages`);
  const baseline = await measureDrain(admin, {
    name: `baseline for ${app}`,
    groupId: group,
    start,
    end,
    processes: [
      {
        logFile: path.join(OUT, `baseline-${app}.log`),
        args: [
          ...APP_NODE_FLAGS,
          baselineJs,
          '--config',
          configPath,
          '--group',
          group,
          '--topics',
          topics.join(','),
          '--max-wait-ms',
          String(MAX_WAIT_MS[app]),
        ],
      },
    ],
  });
  await admin.deleteGroups([group]).catch(() => undefined);
  log(`${app}: baseline ${int(baseline.perSecond)}/s`);
  return baseline;
}

/**
 * The app over the same range from the same offsets, in its own group: one process, or (the
 * normalizer with --replicas) `replicas` processes at once, each with its own /metrics port and Kafka
 * client id, whose assignment is read from the group while they drain and whose
 * `klineflow_consumed_total` is read from their /metrics once the range is drained.
 */
async function appDrain(
  app: AppName,
  topics: readonly string[],
  start: Offsets,
  end: Offsets,
  baseline: ProcessFigures,
  replicas: number,
  appArgs: string[],
): Promise<ConsumerResult> {
  const profile = options.profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(OUT, 'profiles')] : [];
  const tracked = app === 'normalizer';
  const basePort = config.metrics.ports.normalizer;
  const indexes = Array.from({ length: replicas }, (_, i) => i);
  const logFile = (i: number) => path.join(OUT, replicas > 1 ? `${app}-r${i + 1}.log` : `${app}.log`);
  log(`${app}: now the app (group ${app}${replicas > 1 ? `, ${replicas} replicas` : ''})`);
  const held = new Map<string, string[]>();
  const assignments = new Set<string>();
  let fullGroupAt: number | undefined;
  const consumed: Array<{ total: number; byLabels: Record<string, number> } | undefined> = indexes.map(() => undefined);
  const figures = await measureDrain(admin, {
    name: replicas > 1 ? `${app} (${replicas} replicas)` : app,
    groupId: app,
    start,
    end,
    processes: indexes.map((i) => ({
      logFile: logFile(i),
      args: [...profile, ...APP_NODE_FLAGS, ...appArgs],
      ...(tracked ? { env: replicaEnv(basePort, i) } : {}),
    })),
    ...(tracked
      ? {
          onPoll: async () => {
            const now = await groupAssignment(admin, app);
            const mine = indexes.map((i) => now.get(kafkaClientId(replicaClientId(i), 'normalizer')) ?? []);
            if (mine.every((p) => p.length > 0)) {
              fullGroupAt ??= Date.now();
              held.clear();
              indexes.forEach((i) => held.set(replicaClientId(i), mine[i]!));
              assignments.add(JSON.stringify(mine.map((p) => [...p].sort())));
            }
          },
          beforeStop: async () => {
            await Promise.all(
              indexes.map(async (i) => {
                const port = replicaMetricsPort(basePort, i);
                try {
                  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
                  consumed[i] = promCounter(await response.text(), 'klineflow_consumed_total');
                } catch (error) {
                  record.notes.push(`could not read replica ${i + 1}'s /metrics on port ${port}: ${(error as Error).message}`);
                }
              }),
            );
          },
        }
      : {}),
  });
  const perReplica: ReplicaFigures[] = indexes.map((i) => ({
    replica: i + 1,
    clientId: replicaClientId(i),
    metricsPort: replicaMetricsPort(basePort, i),
    partitions: held.get(replicaClientId(i)) ?? [],
    frames: consumed[i]?.total ?? Number.NaN,
    framesByTopic: Object.fromEntries(
      Object.entries(consumed[i]?.byLabels ?? {}).map(([labels, n]) => [labels.replace(/^topic="(.*)"$/, '$1'), n]),
    ),
    cpuSeconds: figures.processes[i]?.cpuSeconds ?? Number.NaN,
    peakRssBytes: figures.processes[i]?.peakRssBytes,
  }));
  const report: ReplicaReport | undefined = tracked
    ? {
        count: replicas,
        replicas: perReplica,
        split: splitSummary(
          perReplica,
          figures.messages,
          [...end].filter(([key, to]) => to > (start.get(key) ?? 0n)).map(([key]) => key),
        ),
        assignmentsSeen: assignments.size,
        secondsBeforeFullGroup: fullGroupAt === undefined ? Number.NaN : Math.max(0, (fullGroupAt - figures.windowStartAt) / 1000),
      }
    : undefined;
  const result = compare(app, topics, figures, baseline, report);
  const others = await activeReaders(admin, WATCHED);
  if (others.length > 0)
    record.notes.push(
      `WARNING: right after the ${app} drain, other consumers were reading the benchmark topics (${others.join(', ')}): these figures are not clean`,
    );
  log(
    `${app}${replicas > 1 ? ` × ${replicas}` : ''}: ${int(figures.perSecond)}/s, ${figures.cpuMicrosPerMessage.toFixed(1)} µs CPU a message, ratio ${result.ratio.toFixed(2)} to the baseline`,
  );
  return result;
}

/** Sets each replicated drain's ratio to the single-replica drain of the same run, whichever ran first. */
function withScaling(list: ConsumerResult[]): void {
  const single = list.find((r) => r.replicas?.count === 1);
  list.forEach((r, i) => {
    if (!r.replicas || r.replicas.count === 1 || !single) return;
    const ratio = scaling(r.figures.perSecond, single.figures.perSecond);
    list[i] = {
      ...r,
      replicas: { ...r.replicas, singlePerSecond: single.figures.perSecond, ...(ratio === undefined ? {} : { scaling: ratio }) },
    };
  });
}
