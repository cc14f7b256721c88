// The redis-writer app (dist bundle, its own process) through a long Redis outage: liveness stays
// 200 and the process never exits, readiness is 503 while Redis is away and 200 again after it, and
// every record produced during the outage reaches Redis. In Kubernetes terms: no restart, only
// not-ready and then ready.
//
// Isolation: a private Kafka broker (the stack's Kafka jars, a temporary KRaft directory, free
// ports) and a private redis-server behind a TcpProxy that is cut for the outage. So the app runs with
// its real topics and its real group, `redis-writer`, and nothing here touches or is touched by the
// shared stack, an e2e platform or the chaos suite.
//
// KLINEFLOW_OUTAGE_MS sets the outage length (default 180000, the 3 minutes `npm test` runs).
// Needs `node tools/build.mjs` (npm test builds first) and what `bash tools/stack/stack.sh install`
// installs (Java and the Kafka jars, redis-server).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { ensureTopics, Kafka, logLevel, TOPICS } from '@klineflow/kafka';
import type { StandardKline } from '@klineflow/schemas';
import { huobiDepth, okxTicker } from './test-records.js';
import { freePort, startPrivateKafka, startPrivateRedis, stopChild, TcpProxy, waitFor } from '@klineflow/test-support';

const OUTAGE_MS = Number(process.env.KLINEFLOW_OUTAGE_MS ?? 180_000);
/** Records are produced in rounds this far apart, from the cut until just before Redis returns. */
const ROUND_MS = 10_000;
/** After the cut, how long the app may take to notice before /readyz must say 503. */
const NOTICE_MS = 10_000;
const RUN = `outage${Date.now()}`;
const PREFIX = `${RUN}:`;
const BUNDLE = 'dist/apps/redis-writer/main.js';

const dir = mkdtempSync(join(tmpdir(), 'klineflow-redis-outage-'));
const cleanup: Array<() => Promise<unknown> | unknown> = [];
const output: string[] = [];

/** A private broker with the real topics, and a private redis-server; each stopped at the end. */
async function startPrivateStores(): Promise<{ broker: string; redisPort: number }> {
  const [kafka, redis] = await Promise.all([startPrivateKafka(dir), startPrivateRedis(dir)]);
  cleanup.push(
    () => kafka.stop(),
    () => redis.stop(),
  );
  const admin = new Kafka({ clientId: 'redis-outage-test', brokers: [kafka.address], logLevel: logLevel.NOTHING }).admin();
  await waitFor(
    'the private Kafka broker and its topics',
    120_000,
    async () => {
      await admin.connect();
      await ensureTopics(admin, 2);
      return true;
    },
    1_000,
  );
  await admin.disconnect();
  return { broker: kafka.address, redisPort: Number(redis.address.split(':')[1]) };
}

const MINUTE = 60_000;
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE;
const kline = (symbol: string, i: number): StandardKline => ({
  exchange: 'binance',
  symbol,
  interval: '1m',
  open_time: T0 + i * MINUTE,
  close_time: T0 + i * MINUTE + MINUTE - 1,
  open: '10050.00',
  high: '10058.00',
  low: '10049.5',
  close: '10051.25',
  volume: '9.2',
  quote_volume: '92000',
  trade_count: 10 + i,
  is_closed: true,
  event_time: T0 + i * MINUTE + MINUTE,
  recv_time: T0 + i * MINUTE + MINUTE + 5,
});
const ticker = (symbol: string, t: number) => okxTicker({ symbol, event_time: t, recv_time: t + 3 });
const depth = (symbol: string, t: number) => huobiDepth({ symbol, update_id: String(t), event_time: t, recv_time: t + 2 });

/** One record per Redis key, so that every produced record must be found as the latest value of its key. */
interface Sent {
  topic: string;
  key: string;
  redisKey: string;
  value: string;
}
let sequence = 0;
function round(): Sent[] {
  const n = sequence++;
  const sym = (kind: string, i: number) => `O${kind}${n}X${i}USDT`;
  const klines = [0, 1, 2, 3, 4].map((i) => kline(sym('K', i), n));
  const tickers = [0, 1].map((i) => ticker(sym('T', i), T0 + n));
  const books = [0, 1].map((i) => depth(sym('D', i), T0 + n));
  return [
    ...klines.map((k) => ({
      topic: TOPICS.klines,
      key: `binance:${k.symbol}:1m`,
      redisKey: `${PREFIX}kline:binance:${k.symbol}:1m`,
      value: JSON.stringify(k),
    })),
    ...tickers.map((t) => ({
      topic: TOPICS.tickers,
      key: `okx:${t.symbol}`,
      redisKey: `${PREFIX}ticker:okx:${t.symbol}`,
      value: JSON.stringify(t),
    })),
    ...books.map((d) => ({
      topic: TOPICS.depth,
      key: `huobi:${d.symbol}`,
      redisKey: `${PREFIX}depth:huobi:${d.symbol}`,
      value: JSON.stringify(d),
    })),
  ];
}

async function send(producer: Producer, records: Sent[]): Promise<void> {
  const byTopic = new Map<string, Sent[]>();
  for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
  await producer.sendBatch({
    acks: -1,
    topicMessages: [...byTopic].map(([topic, rs]) => ({ topic, messages: rs.map((r) => ({ key: r.key, value: r.value })) })),
  });
}

/** The records whose key does not hold exactly that record yet. */
async function missing(redis: Redis, records: Sent[]): Promise<Sent[]> {
  const values = await Promise.all(records.map((r) => redis.hget(r.redisKey, 'latest')));
  return records.filter((r, i) => values[i] !== r.value);
}

let kafka: Kafka;
let producer: Producer;
let direct: Redis;
let proxy: TcpProxy;
/** The app as libs/process-runner's AppProcess runs it (a sink project may not import that lib). */
let app: ChildProcess;
const running = () => app.exitCode === null && app.signalCode === null;
let metricsUrl: string;

before(async () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} missing: run node tools/build.mjs (npm test builds first)`);
  const { broker, redisPort } = await startPrivateStores();
  proxy = await new TcpProxy(redisPort).open();
  cleanup.push(() => proxy.cut());
  direct = new Redis(redisPort, '127.0.0.1');
  cleanup.push(() => direct.disconnect());
  kafka = new Kafka({ clientId: 'redis-outage-test', brokers: [broker], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const configPath = join(dir, 'config.toml');
  writeFileSync(
    configPath,
    `[kafka]
brokers = ["${broker}"]
partitions = 2

[storage.redis]
url = "redis://${proxy.url}/0"
key_prefix = "${PREFIX}"

[metrics]
host = "127.0.0.1"

[metrics.ports]
redis_writer = ${metricsPort}
`,
  );
  app = spawn(process.execPath, ['--max-semi-space-size=64', BUNDLE, '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [app.stdout!, app.stderr!]) createInterface({ input: stream }).on('line', (line) => void output.push(line));
  cleanup.push(() => stopChild(app, 15_000));
});

after(async () => {
  for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const httpStatus = (path: string) =>
  fetch(metricsUrl + path, { signal: AbortSignal.timeout(3_000) }).then(
    (r) => r.status,
    () => 0,
  );
const tail = () => output.slice(-30).join('\n');

test(
  `a ${OUTAGE_MS / 1000} s Redis outage: /livez stays 200 and the process runs on, /readyz is 503 until Redis is back, and no record is lost`,
  { timeout: OUTAGE_MS + 240_000 },
  async () => {
    await waitFor('/readyz 200 after start-up', 60_000, async () => ((await httpStatus('/readyz')) === 200 ? true : undefined));
    const warmUp = round();
    await send(producer, warmUp);
    await waitFor('the warm-up records in Redis', 30_000, async () => ((await missing(direct, warmUp)).length === 0 ? true : undefined));

    // ---- the outage ----
    const cutAt = Date.now();
    await proxy.cut();
    const produced: Sent[] = [];
    const samples: Array<{ at: number; livez: number; readyz: number }> = [];
    let nextRound = cutAt;
    while (Date.now() - cutAt < OUTAGE_MS) {
      if (Date.now() >= nextRound && Date.now() - cutAt < OUTAGE_MS - 2_000) {
        const records = round();
        await send(producer, records);
        produced.push(...records);
        nextRound += ROUND_MS;
      }
      const [livez, readyz] = await Promise.all([httpStatus('/livez'), httpStatus('/readyz')]);
      samples.push({ at: Date.now() - cutAt, livez, readyz });
      assert.ok(running(), `redis-writer exited during the outage, ${samples.at(-1)!.at} ms in:\n${tail()}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const outageMs = Date.now() - cutAt;
    const notLive = samples.filter((s) => s.livez !== 200);
    assert.deepEqual(notLive, [], `/livez must stay 200 through the outage:\n${tail()}`);
    const readyWhileDown = samples.filter((s) => s.at > NOTICE_MS && s.readyz !== 503);
    assert.deepEqual(readyWhileDown, [], '/readyz must be 503 from the first seconds of the outage to its end');
    assert.equal((await missing(direct, produced)).length, produced.length, 'nothing reached Redis through the cut proxy');

    // ---- Redis is back ----
    await proxy.open();
    const openedAt = Date.now();
    await waitFor('/readyz 200 after the outage', 60_000, async () => ((await httpStatus('/readyz')) === 200 ? true : undefined));
    const readyAfterMs = Date.now() - openedAt;
    await waitFor('every record produced during the outage in Redis', 60_000, async () =>
      (await missing(direct, produced)).length === 0 ? true : undefined,
    );
    const storedAfterMs = Date.now() - openedAt;
    const admin = kafka.admin();
    await admin.connect();
    const topics = [TOPICS.klines, TOPICS.tickers, TOPICS.depth];
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: 'redis-writer', topics }))
        .flatMap((t) => t.partitions)
        .reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    await waitFor('the offsets of every record committed', 30_000, async () =>
      (await committed()) === warmUp.length + produced.length ? true : undefined,
    ).finally(() => admin.disconnect());
    assert.equal(await httpStatus('/livez'), 200);
    assert.ok(running(), 'never exited');

    const first503 = samples.find((s) => s.readyz === 503)?.at;
    console.log(
      `# outage ${(outageMs / 1000).toFixed(0)} s: ${samples.length} probe pairs, /livez 200 in all, /readyz 503 from ${first503} ms after the cut; ` +
        `${produced.length} records produced during the outage (${sequence - 1} rounds), ${produced.length} in Redis ${storedAfterMs} ms after it ended; ` +
        `ready again after ${readyAfterMs} ms; offsets committed for all ${warmUp.length + produced.length}; process pid ${app.pid} never exited`,
    );
  },
);
