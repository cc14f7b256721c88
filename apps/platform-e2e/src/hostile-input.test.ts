// Issue 12: hostile input never stops the flow. Every app as a process on the real stack, every
// simulated exchange flooding each kline connection with hostile frames (exchange-sim's
// hostile fault). No service exits or turns unhealthy, every valid stream's closed bars keep
// arriving complete and exact, nothing is stored or requested for a symbol nobody subscribed,
// and every reject is counted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { ServiceName } from '@klineflow/config';
import { EXCHANGE_IDS } from '@klineflow/exchanges';
import { TOPICS } from '@klineflow/kafka';
import type { BackfillRequest, DeadLetter } from '@klineflow/schemas';
import { mangledSymbol, SimControl } from '@klineflow/sim-control';
import {
  clickhouse,
  closedBarsInClickhouse,
  Platform,
  readTopicToEnd,
  REDIS_URL,
  removeRunData,
  resetKafka,
  SIM_CONTROL_URL,
  simulatorConfig,
  waitFor,
} from './harness.js';
import { METRICS_PORTS, scrapeMetric } from './metrics.js';
import { assertClosedBarsInClickhouse } from './verify.js';

/** Longest wait for ClickHouse to hold every closed bar exactly as the exchange has it. */
const CONVERGENCE_TIMEOUT_MS = 150_000;

const RUN = `e2e_hostile_${Date.now()}`;
const PREFIX = `${RUN}:`;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const MANGLED = new Set(SYMBOLS.map(mangledSymbol));
const EXCHANGES = EXCHANGE_IDS;
const FLOOD_MS = 20_000;
const APPS: readonly ServiceName[] = [
  'exchange-sim',
  'clickhouse-sink',
  'redis-writer',
  'normalizer',
  ...EXCHANGES.map((e) => `ingest-${e}` as const),
];
const sim = new SimControl(SIM_CONTROL_URL);

const platform = new Platform(
  simulatorConfig({
    run: RUN,
    exchanges: Object.fromEntries(EXCHANGES.map((e) => [e, { symbols: SYMBOLS }])),
  }),
);
const redis = new Redis(REDIS_URL);

before(async () => {
  await resetKafka();
  platform.start(APPS);
});

after(async () => {
  await platform.stop();
  await removeRunData(RUN, redis);
  redis.disconnect();
});

/** 1m bars in ClickHouse per exchange and symbol that opened at or after `from` (virtual time). */
async function closedSince(from: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const exchange of EXCHANGES) {
    for (const bar of await closedBarsInClickhouse(RUN, exchange).catch(() => [])) {
      if (bar.interval !== '1m' || Number(bar.open_time) < from) continue;
      const key = `${exchange}:${bar.symbol}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

const everyStreamHas = (counts: Map<string, number>, n: number) =>
  EXCHANGES.every((e) => SYMBOLS.every((s) => (counts.get(`${e}:${s}`) ?? 0) >= n));

/** Each app's /health: the statuses seen, and any component of a sink that paused (degraded) or anything down. */
async function healthProblems(): Promise<string[]> {
  const problems: string[] = [];
  for (const app of APPS) {
    const response = await fetch(`http://127.0.0.1:${METRICS_PORTS[app]}/health`).catch((error: Error) => error);
    if (response instanceof Error) {
      problems.push(`${app} /health unreachable: ${String(response.cause ?? response.message)}`);
      continue;
    }
    const report = (await response.json()) as { status: string; components: Record<string, { status: string; detail?: string }> };
    if (report.status === 'down') problems.push(`${app} down: ${JSON.stringify(report.components)}`);
    for (const [name, component] of Object.entries(report.components)) {
      if (name.startsWith('sink:') && component.status !== 'up') problems.push(`${app} ${name} ${component.status}: ${component.detail}`);
    }
  }
  return problems;
}

test(
  'a flood of hostile frames on every exchange is dead-lettered and counted; valid streams flow on, complete and exact',
  { timeout: 420_000 },
  async () => {
    await waitFor(
      'two closed 1m bars of every stream in ClickHouse',
      60_000,
      async () => (everyStreamHas(await closedSince(0), 2) ? true : undefined),
      500,
    );

    const floodStart = (await sim.state()).virtualNow;
    const problems: string[] = [];
    const sent: Record<string, number> = Object.fromEntries(EXCHANGES.map((e) => [e, 0]));
    const floodEnd = Date.now() + FLOOD_MS;
    while (Date.now() < floodEnd) {
      for (const exchange of EXCHANGES) sent[exchange]! += (await sim.hostile(exchange)).frames;
      problems.push(...(await healthProblems()));
      assert.deepEqual(platform.crashed(), [], `no service exits during the flood:\n${platform.tail()}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const exchange of EXCHANGES) assert.ok(sent[exchange]! > 100, `${exchange}: ${sent[exchange]} hostile frames sent`);

    // Closed bars of every valid stream kept arriving through the flood and after it: a 1m bar closes every real second.
    await waitFor(
      'ten closed 1m bars of every stream since the flood began',
      60_000,
      async () => (everyStreamHas(await closedSince(floodStart), 10) ? true : undefined),
      500,
    );
    const checked: Record<string, number> = {};
    for (const exchange of EXCHANGES) {
      // The flood drops HTX connections; a bar closed by the clock during such an outage is provisional
      // until its confirming history reply, which waits behind every outage window's requests (paced by
      // HTX's one request per 100 ms): 60 s was not always enough in a clean-clone run (RELIABILITY.md).
      checked[exchange] = await assertClosedBarsInClickhouse(sim, RUN, exchange, CONVERGENCE_TIMEOUT_MS);
      assert.ok(checked[exchange]! >= SYMBOLS.length * 10, `${exchange}: ${checked[exchange]} closed bars, every one exact`);
    }
    const sinceFlood: Record<string, number> = {};
    for (const [key, count] of await closedSince(floodStart))
      sinceFlood[key.split(':')[0]!] = (sinceFlood[key.split(':')[0]!] ?? 0) + count;
    problems.push(...(await healthProblems()));
    assert.deepEqual(problems, [], 'no service down, no sink paused');
    assert.deepEqual(platform.crashed(), [], `no service exited:\n${platform.tail()}`);

    // Nothing for a symbol nobody subscribed: no Redis key, no ClickHouse row, no history request.
    const keys = await redis.keys(`${PREFIX}*`);
    assert.ok(keys.length >= EXCHANGES.length * SYMBOLS.length, `${keys.length} Redis keys`);
    assert.deepEqual(
      keys.filter((k) => !SYMBOLS.includes(k.slice(PREFIX.length).split(':')[2]!)),
      [],
      'Redis holds only subscribed symbols',
    );
    const client = clickhouse();
    try {
      const rows = (await (
        await client.query({ query: `SELECT DISTINCT symbol FROM ${RUN}.klines`, format: 'JSONEachRow' })
      ).json()) as Array<{ symbol: string }>;
      assert.deepEqual(rows.map((r) => r.symbol).sort(), [...SYMBOLS].sort(), 'ClickHouse holds only subscribed symbols');
    } finally {
      await client.close();
    }
    const requests = (await readTopicToEnd(TOPICS.backfillRequests)).map((r) => JSON.parse(r.value) as BackfillRequest);
    assert.deepEqual(
      requests.filter((r) => !SYMBOLS.includes(r.symbol)),
      [],
      'no history asked for a symbol nobody subscribed',
    );

    // The rejects are counted and dead-lettered, with their reasons.
    for (const exchange of EXCHANGES) {
      for (const reason of ['bounds', 'stream_mismatch', 'unparseable']) {
        assert.ok(
          (await scrapeMetric(METRICS_PORTS.normalizer, 'klineflow_dead_letter_total', { exchange, reason })) > 0,
          `normalizer counts ${exchange} ${reason}`,
        );
      }
      assert.ok(
        (await scrapeMetric(METRICS_PORTS[`ingest-${exchange}`], 'klineflow_dead_letter_total', { exchange, reason: 'frame_too_large' })) >
          0,
        `ingest-${exchange} dead-letters 1 MiB frames`,
      );
    }
    assert.ok(
      (await scrapeMetric(METRICS_PORTS['ingest-huobi'], 'klineflow_ws_errors_total', { kind: 'decompression_bomb' })) > 0,
      'HTX gzip bombs refused',
    );
    assert.equal(
      await scrapeMetric(METRICS_PORTS['clickhouse-sink'], 'klineflow_sink_errors_total'),
      0,
      'ClickHouse never refused a write: the normalizer let nothing through that it would refuse',
    );
    const letters = (await readTopicToEnd(TOPICS.deadLetter)).map((r) => JSON.parse(r.value) as DeadLetter);
    const reasons = new Set(letters.map((l) => `${l.service}:${l.reason}`));
    for (const reason of [
      'normalizer:bounds',
      'normalizer:stream_mismatch',
      'normalizer:schema',
      'ingest-binance:frame_too_large',
      'ingest-huobi:frame_too_large',
    ])
      assert.ok(reasons.has(reason), `${reason} in dead-letter: ${[...reasons].join(', ')}`);
    assert.ok(
      letters.every((l) => l.raw.length <= 4096),
      'dead letters quote a slice of a huge frame, never all of it',
    );
    assert.ok(
      letters.some((l) => l.raw.includes(`"s":"${mangledSymbol('BTCUSDT')}"`)),
      'the mismatched frame is in dead-letter',
    );
    assert.ok(![...MANGLED].some((s) => keys.some((k) => k.includes(s))));

    const byReason = new Map<string, number>();
    for (const l of letters) byReason.set(`${l.service}:${l.reason}`, (byReason.get(`${l.service}:${l.reason}`) ?? 0) + 1);
    console.log(
      `FIGURES hostile frames sent ${JSON.stringify(sent)} in ${FLOOD_MS} ms; dead letters ${letters.length}: ${JSON.stringify(Object.fromEntries(byReason))}; ` +
        `closed 1m bars stored since the flood began ${JSON.stringify(sinceFlood)}; closed bars checked exact, all intervals ${JSON.stringify(checked)}`,
    );
  },
);
