// Issue 4's chaos suite: every fault production sees, against the real stack and every simulated
// exchange (50 symbols × 6 intervals each), every app as its own process. After each scenario the
// simulator's closed bars are compared with ClickHouse: nothing missing (on an exchange without
// WebSocket history, OKX and Bybit, only where both hot-standby connections were down, and then
// reported as a gap), nothing twice after FINAL, every decimal exact.
// Measured figures go to dist/reliability/results.json and RELIABILITY.md.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { SERVICES } from '@klineflow/config';
import { CHANNELS, EXCHANGE_IDS, INTERVALS, type ExchangeId } from '@klineflow/exchanges';
import { EXCHANGE_FACTS } from '@klineflow/exchange-modules/facts';
import { TOPICS } from '@klineflow/kafka';
import { validateKlineGap, type KlineGap } from '@klineflow/schemas';
import { SimControl } from '@klineflow/sim-control';
import {
  clickhouse,
  CLICKHOUSE_URL,
  closedBarsInClickhouse,
  removeRunData,
  kafkaClient,
  KAFKA_BROKER,
  Platform,
  readTopic,
  readTopicToEnd,
  REDIS_URL,
  resetKafka,
  SYMBOLS_50,
  simulatorConfig,
  waitFor,
  SIM_CONTROL_URL,
} from './harness.js';
import { acceptsConnections } from '@klineflow/test-support';
import { assertClosedBarsInClickhouse, latestKlines } from './verify.js';
import { FlowWatch, percentile } from './recovery.js';
import { METRICS_PORTS, scrapeMetric, scrapeSamples } from './metrics.js';

const RUN = `e2e_chaos_${Date.now()}`;
const PREFIX = `${RUN}:`;
const SYMBOLS = SYMBOLS_50;
const EXCHANGES = EXCHANGE_IDS;
/** Exchanges with kline history over WebSocket (their facts): every bar a fault cost is backfilled, none may be missing. */
const BACKFILLABLE = EXCHANGES.filter((e) => EXCHANGE_FACTS[e].limits.hasWebSocketHistory);
/**
 * The others (OKX, Bybit) run two hot-standby connections per shard (`redundancy = 2`): a bar may be missing
 * only after a fault that took both down at once, and then it must be reported in `kline-gaps`.
 */
const STANDBY = EXCHANGES.filter((e) => !EXCHANGE_FACTS[e].limits.hasWebSocketHistory);
/**
 * Exchanges that announce a server-side close (docs/PROTOCOLS.md): Binance `serverShutdown`, OKX notice 64008.
 * HTX and Bybit document none. No fact holds this, so scenario (c) checks that the simulator agrees.
 */
const SHUTDOWN_NOTICE: readonly ExchangeId[] = ['binance', 'okx'];
/** Connections per shard of a hot-standby exchange. */
const REDUNDANCY = 2;
const sim = new SimControl(SIM_CONTROL_URL);

const configPath = simulatorConfig({
  run: RUN,
  exchanges: Object.fromEntries(
    EXCHANGES.map((e) => [e, { symbols: SYMBOLS, ...(STANDBY.includes(e) ? { extra: `redundancy = ${REDUNDANCY}` } : {}) }]),
  ),
  // Lead time between a shutdown notice and the close: OKX announces 64008 well ahead; 5 s real is 5 virtual minutes here.
  simulator: 'shutdown_grace_ms = 5000',
});

const platform = new Platform(configPath);
const flow = new FlowWatch(PREFIX);
const redis = new Redis(REDIS_URL);

interface ScenarioResult {
  scenario: string;
  recoveries_ms: number[];
  longest_pause_ms?: number;
  bars_checked: number;
  bars_lost: number;
  duplicates: number;
  note?: string;
}
const results: ScenarioResult[] = [];

const REDIS_ADDRESS = new URL(REDIS_URL).host;
const CLICKHOUSE_ADDRESS = new URL(CLICKHOUSE_URL).host;

/**
 * Starts what is down with `stack.sh up` in the background, so that the moment each service accepts
 * connections again can be taken meanwhile: recovery is counted from there, not from the end of the
 * script (which also waits for the other services and provisions).
 */
function restartStack(): { accepting(address: string): Promise<number>; done: Promise<number | null> } {
  const child = spawn('bash', ['tools/stack/stack.sh', 'up'], { stdio: 'inherit' });
  const done = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const accepting = (address: string) =>
    waitFor(
      `${address} accepting connections`,
      120_000,
      () => acceptsConnections(address).then((open) => (open ? Date.now() : undefined)),
      50,
    );
  return { accepting, done };
}

/** When the first kline row received by the ingest after `after` is readable in ClickHouse. */
async function firstRowAfter(after: number): Promise<number> {
  const client = clickhouse();
  try {
    return await waitFor(
      'a fresh row in ClickHouse',
      60_000,
      async () => {
        const result = await client
          .query({ query: `SELECT count() AS n FROM ${RUN}.klines WHERE recv_time > ${after}`, format: 'JSONEachRow' })
          .catch(() => undefined);
        const rows = result ? ((await result.json()) as Array<{ n: string }>) : [];
        return Number(rows[0]?.n ?? 0) > 0 ? Date.now() : undefined;
      },
      50,
    );
  } finally {
    await client.close();
  }
}

function stack(...args: string[]): void {
  const result = spawnSync('bash', ['tools/stack/stack.sh', ...args], { stdio: 'inherit' });
  assert.equal(result.status, 0, `stack.sh ${args.join(' ')}`);
}

/**
 * Every closed bar present exactly once with the exchange's decimals (assertClosedBarsInClickhouse fails
 * otherwise). A hot-standby exchange has no history to backfill from: a bar it missed must be covered by a
 * kline-gaps report, never silently absent; every bar it did store is checked like the others.
 */
async function verifyNoLoss(): Promise<number> {
  let checked = 0;
  for (const exchange of BACKFILLABLE) checked += await assertClosedBarsInClickhouse(sim, RUN, exchange, 90_000);
  for (const exchange of STANDBY) checked += await assertClosedBarsInClickhouse(sim, RUN, exchange, 60_000, allGaps);
  return checked;
}

async function allGaps(): Promise<KlineGap[]> {
  return (await readTopicToEnd(TOPICS.klineGaps)).map((r) => JSON.parse(r.value) as KlineGap).filter((g) => validateKlineGap(g));
}

/** kline-gaps records already looked at (by position: the order across partitions differs per read). */
const gapsSeen = new Set<string>();

async function gapsSinceLastCheck(): Promise<KlineGap[]> {
  const fresh = (await readTopicToEnd(TOPICS.klineGaps)).filter((r) => !gapsSeen.has(r.position));
  for (const r of fresh) gapsSeen.add(r.position);
  return fresh.map((r) => JSON.parse(r.value) as KlineGap).filter((g) => validateKlineGap(g));
}

async function recordScenario(
  scenario: string,
  recoveries: number[],
  extra: Partial<ScenarioResult> & { redundancyDefeated?: boolean } = {},
): Promise<void> {
  const { redundancyDefeated = false, ...figures } = extra;
  const bars = await verifyNoLoss();
  // A hot-standby exchange runs two redundant connections per shard: only a fault that hits both at once
  // (scenario a) may lose its bars, and even then each loss is reported (verifyNoLoss).
  const standbyGaps = (await gapsSinceLastCheck()).filter((g) => STANDBY.includes(g.exchange) && g.status === 'open');
  if (!redundancyDefeated) assert.deepEqual(standbyGaps, [], `redundant ${STANDBY.join(' and ')} connections lost no bar`);
  const lost = STANDBY.map((e) => ({ e, n: standbyGaps.filter((g) => g.exchange === e).reduce((n, g) => n + g.missing_bars, 0) }));
  const note = [
    figures.note,
    ...lost
      .filter(({ n }) => n > 0)
      .map(({ e, n }) => `${e} bars lost with both redundant connections down, each reported in kline-gaps: ${n}`),
  ]
    .filter(Boolean)
    .join('; ');
  results.push({
    scenario,
    recoveries_ms: recoveries,
    bars_checked: bars,
    bars_lost: 0,
    duplicates: 0,
    ...figures,
    ...(note ? { note } : {}),
  });
  assert.deepEqual(platform.crashed(), [], `no service died:\n${platform.tail()}`);
}

before(async () => {
  await resetKafka();
  await flow.start();
  platform.start(SERVICES.map((s) => s.name));
  await waitFor(
    'closed 1m bars of every symbol on every exchange',
    180_000,
    async () => {
      for (const exchange of EXCHANGES) {
        const rows = await closedBarsInClickhouse(RUN, exchange).catch(() => []);
        if (new Set(rows.filter((r) => r.interval === '1m').map((r) => r.symbol)).size < SYMBOLS.length) return undefined;
      }
      return true;
    },
    1000,
  );
});

after(async () => {
  mkdirSync('dist/reliability', { recursive: true });
  writeFileSync('dist/reliability/results.json', JSON.stringify(results, null, 2));
  // Every app's log lines of the run, for diagnosing a failed scenario after the fact.
  writeFileSync('dist/reliability/platform.log', `${platform.output.join('\n')}\n`);
  for (const r of results) {
    const p50 = r.recoveries_ms.length ? percentile(r.recoveries_ms, 50) : NaN;
    const max = r.recoveries_ms.length ? Math.max(...r.recoveries_ms) : NaN;
    console.log(
      `RELIABILITY ${r.scenario}: recovery p50 ${p50} ms, max ${max} ms, longest pause ${r.longest_pause_ms ?? '-'} ms, bars checked ${r.bars_checked}, lost ${r.bars_lost}, duplicates ${r.duplicates}${r.note ? `; ${r.note}` : ''}`,
    );
  }
  flow.stop();
  await platform.stop();
  await removeRunData(RUN, redis);
  redis.disconnect();
});

test('(a) abrupt drop of every connection of one exchange: data flows again within 3 s', async () => {
  const recoveries: number[] = [];
  for (const exchange of EXCHANGES) {
    for (let round = 0; round < 3; round++) {
      const droppedAt = Date.now();
      await sim.drop(exchange);
      const flowing = await flow.firstAfter(exchange, droppedAt);
      recoveries.push(flowing - droppedAt);
    }
  }
  assert.ok(Math.max(...recoveries) < 3000, `every recovery under 3 s: ${recoveries.join(', ')} ms`);
  await recordScenario('a-drop', recoveries, { redundancyDefeated: true });
});

test('(b) a stall without close: the liveness probe finds it and data flows again within 3 s', async () => {
  const stallMs = 20_000;
  const before = await scrapeMetric(METRICS_PORTS['ingest-binance'], 'klineflow_ws_reconnects_total');
  const stalledAt = Date.now();
  await sim.stall('binance', stallMs);
  const flowing = await flow.firstAfter('binance', stalledAt + 1000, stallMs);
  assert.ok(flowing - stalledAt < 3000, `data flowed again ${flowing - stalledAt} ms into a ${stallMs} ms stall`);
  assert.ok(
    (await scrapeMetric(METRICS_PORTS['ingest-binance'], 'klineflow_ws_reconnects_total')) > before,
    'the ingest app counted the reconnect',
  );
  await recordScenario('b-stall', [flowing - stalledAt]);
});

test('(c) Binance serverShutdown and OKX notice 64008: make-before-break, no gap at all', async () => {
  // The exchanges left out announce nothing: the simulator, which speaks each protocol, must refuse them a notice.
  for (const exchange of EXCHANGES.filter((e) => !SHUTDOWN_NOTICE.includes(e)))
    await assert.rejects(sim.shutdownNotice(exchange), /has no shutdown notice/, `${exchange} has no shutdown notice`);
  const from = Date.now();
  for (const exchange of SHUTDOWN_NOTICE) await sim.shutdownNotice(exchange);
  await waitFor('rotation to complete', 20_000, async () => {
    const state = await sim.state();
    return Date.now() - from > 8_000 && SHUTDOWN_NOTICE.every((e) => state.exchanges[e].connections > 0) ? true : undefined;
  });
  const to = Date.now();
  const pauses = Object.fromEntries(SHUTDOWN_NOTICE.map((e) => [e, flow.longestPause(e, from, to)]));
  assert.ok(
    Object.values(pauses).every((p) => p < 2_500),
    `no pause longer than the update cadence: ${JSON.stringify(pauses)}`,
  );
  const opened = (await gapsSinceLastCheck()).filter((g) => g.status === 'open');
  // OKX has no history to backfill from: only make-before-break keeps its bars complete here.
  assert.deepEqual(opened, [], 'no rotation opened a gap');
  for (const exchange of SHUTDOWN_NOTICE)
    assert.ok(
      (await scrapeMetric(METRICS_PORTS[`ingest-${exchange}`], 'klineflow_ws_rotations_total')) > 0,
      `${exchange} rotation counted`,
    );
  await recordScenario('c-rotation', [], { longest_pause_ms: Math.max(...Object.values(pauses)) });
});

test('(d) a missed window of over 3 minutes on every exchange with WebSocket history (Binance, HTX) is backfilled over WebSocket', async () => {
  const blackoutMs = 5_000; // 5 virtual minutes at speed 60
  const backfilled = () =>
    Promise.all(BACKFILLABLE.map((e) => scrapeMetric(METRICS_PORTS[`ingest-${e}`], 'klineflow_backfill_bars_total')));
  const backfilledBefore = await backfilled();
  const from = Date.now();
  await Promise.all(BACKFILLABLE.map((e) => sim.blackout(e, blackoutMs)));
  const recoveries: number[] = [];
  for (const exchange of BACKFILLABLE) recoveries.push((await flow.firstAfter(exchange, from + blackoutMs, 20_000)) - (from + blackoutMs));
  await recordScenario('d-missed-window', recoveries);
  const backfilledAfter = await backfilled();
  for (const [i, exchange] of BACKFILLABLE.entries())
    assert.ok(backfilledAfter[i]! > backfilledBefore[i]!, `${exchange} bars came from its WebSocket history`);
});

test('(e) kill -9 of the normalizer and of each sink mid-stream, then restart: no loss, no duplicate', async () => {
  const recoveries: number[] = [];
  for (const app of ['normalizer', 'clickhouse-sink', 'redis-writer'] as const) {
    await platform.get(app).crash();
    const restartedAt = Date.now();
    platform.restart(app);
    recoveries.push((await flow.firstAfter('binance', restartedAt, 60_000)) - restartedAt);
  }
  await recordScenario('e-kill-9', recoveries);
  assert.ok(Math.max(...recoveries) < 3000, `every consumer back within 3 s of its restart: ${recoveries.join(', ')} ms`);
});

test('(f) Redis and ClickHouse stopped for 30 s, then started: no loss, fresh data in each within 3 s of it accepting connections', async () => {
  stack('stop', 'redis');
  stack('stop', 'clickhouse');
  const stoppedAt = Date.now();
  await new Promise((r) => setTimeout(r, 30_000)); // the outage itself is the scenario, not a synchronisation
  const { accepting, done } = restartStack();
  const redisBack = await accepting(REDIS_ADDRESS);
  const inRedis = await flow.firstAfter('binance', redisBack, 60_000);
  const clickhouseBack = await accepting(CLICKHOUSE_ADDRESS);
  const inClickhouse = await firstRowAfter(clickhouseBack);
  assert.equal(await done, 0, 'stack.sh up');
  const recoveries = { redis: inRedis - redisBack, clickhouse: inClickhouse - clickhouseBack };
  await recordScenario('f-store-outage', [recoveries.redis, recoveries.clickhouse], {
    note: `Redis ${recoveries.redis} ms, ClickHouse ${recoveries.clickhouse} ms after each accepted connections again`,
  });
  const latest = await latestKlines(redis, PREFIX, 'binance', SYMBOLS_50.slice(0, 5), ['1m']);
  assert.ok(
    latest.every((k) => k.latest.recv_time > stoppedAt),
    'Redis holds fresh state again',
  );
  assert.ok(recoveries.redis < 3000 && recoveries.clickhouse < 3000, `fresh data in each store within 3 s: ${JSON.stringify(recoveries)}`);
});

test('(g) a Kafka broker restart: producers buffer, consumers rejoin, nothing lost, flowing within 5 s of the broker accepting connections', async () => {
  const from = Date.now();
  stack('stop', 'kafka');
  const { accepting: acceptingAt, done } = restartStack();
  const accepting = await acceptingAt(KAFKA_BROKER);
  const back = await flow.firstAfter('binance', accepting, 120_000);
  assert.equal(await done, 0, 'stack.sh up');
  await recordScenario('g-kafka-restart', [back - accepting], {
    note: `${back - from} ms from the stop, ${accepting - from} ms of it the broker's own restart`,
  });
  assert.ok(back - accepting < 5000, `flowing ${back - accepting} ms after the broker accepted connections`);
});

test('(h) malformed, duplicated, out-of-order and impossible frames are dead-lettered or dropped, and counted', async () => {
  const port = METRICS_PORTS.normalizer;
  const deadBefore = await scrapeMetric(port, 'klineflow_dead_letter_total');
  const dupBefore = await scrapeMetric(port, 'klineflow_duplicates_dropped_total');
  for (const exchange of EXCHANGES) {
    await sim.malformed(exchange);
    await sim.impossibleCandle(exchange);
    await sim.duplicate(exchange);
  }
  // Out of order: replay an old raw frame of every exchange, as a late duplicate from the log would arrive.
  const producer = kafkaClient().producer();
  await producer.connect();
  for (const exchange of EXCHANGES) {
    const isKline = (r: { key: string }) => r.key.includes('kline') || r.key.includes('candle');
    const stale = (await readTopic(`raw.${exchange}`, (r) => r.some(isKline), 10_000)).find(isKline)!;
    await producer.send({
      topic: `raw.${exchange}`,
      messages: [
        { key: stale.key, value: stale.value, headers: { exchange, conn_id: 'replay', recv_ts: String(Date.now()), kind: 'live' } },
      ],
    });
  }
  await producer.disconnect();
  // At least one malformed and one impossible frame per exchange; one duplicate and one stale replay per exchange.
  await waitFor('dead letters counted', 20_000, async () =>
    (await scrapeMetric(port, 'klineflow_dead_letter_total')) >= deadBefore + 2 * EXCHANGES.length ? true : undefined,
  );
  await waitFor('duplicates and stale updates counted', 20_000, async () =>
    (await scrapeMetric(port, 'klineflow_duplicates_dropped_total')) >= dupBefore + EXCHANGES.length ? true : undefined,
  );
  await recordScenario('h-bad-input', [], { note: 'malformed + impossible → dead-letter; duplicate + out-of-order → dropped' });
});

test('(i) hot standby (OKX, Bybit): one connection of a redundant pair dropped, three times over: no bar lost', async () => {
  const pauses: Record<string, number> = {};
  for (const exchange of STANDBY) {
    const port = METRICS_PORTS[`ingest-${exchange}`];
    const slots = (await scrapeSamples(port, 'klineflow_ws_connection_up')).length;
    // Both standbys subscribe every stream: 6 kline intervals plus ticker, depth and trades per symbol.
    const subscriptions = REDUNDANCY * SYMBOLS.length * (INTERVALS.length + CHANNELS.length - 1);
    const subscribed = async () => ((await sim.state()).exchanges[exchange].streams === subscriptions ? true : undefined);
    await waitFor(`every ${exchange} stream subscribed on both standbys`, 20_000, subscribed);
    const from = Date.now();
    for (let round = 0; round < 3; round++) {
      const reconnectsBefore = await scrapeMetric(port, 'klineflow_ws_reconnects_total');
      assert.equal((await sim.drop(exchange, 1)).connections, 1);
      // The next drop must not hit the twin while this one is still down: wait until every slot is connected
      // again and, as the exchange sees it, has every stream subscribed again. A connection is up long before
      // that on Bybit, where 225 streams take 23 subscribes of 10 (each after an unsubscribe) at 10 messages a second.
      await waitFor(`the dropped ${exchange} standby delivering again`, 20_000, async () =>
        (await scrapeMetric(port, 'klineflow_ws_reconnects_total')) > reconnectsBefore &&
        (await scrapeMetric(port, 'klineflow_ws_connection_up')) === slots &&
        (await subscribed())
          ? true
          : undefined,
      );
    }
    pauses[exchange] = flow.longestPause(exchange, from, Date.now());
  }
  assert.ok(
    Object.values(pauses).every((p) => p < 2_500),
    `the twin kept data flowing: longest pauses ${JSON.stringify(pauses)} ms`,
  );
  // recordScenario asserts that no hot-standby gap was opened: the twin carried every bar.
  await recordScenario('i-standby', [], {
    longest_pause_ms: Math.max(...Object.values(pauses)),
    note: `longest pause ${Object.entries(pauses)
      .map(([e, p]) => `${e} ${p} ms`)
      .join(', ')}`,
  });
});
