// Issue 11: resharding 2 → 3 against the exchange simulator, the way the chart does it (README,
// Resharding): the 3-shard generation starts beside the 2-shard one, and the old pods stop only once
// the new ones deliver. Every stream of every symbol keeps delivering throughout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parseConfig, resolveExchange, SIMULATOR_PORTS, type ResolvedExchangeConfig, type SimulatorPortKey } from '@klineflow/config';
import { createLogger } from '@klineflow/observability';
import { binanceProtocol } from '@klineflow/exchange-modules';
import { acceptsConnections, freePort, waitUntil } from '@klineflow/test-support';
import { createIngestMetrics } from './metrics.js';
import { planConnections } from './plan.js';
import { ConnectionSlot } from './slot.js';

const logger = createLogger('ingest-binance-reshard-test', 'error');
logger.silent = true;

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'ADAUSDT', 'AVAXUSDT', 'TRXUSDT', 'LINKUSDT'];
const INTERVALS = ['1m', '5m'];
/** The simulator pushes every open bar this often; a stream silent for MAX_GAP_MS has lost its owner. */
const UPDATE_MS = 250;
const MAX_GAP_MS = 2000;

/** The simulator as its own process (the ingest app may not import the simulator app). */
async function startSimulator(dir: string): Promise<{ port: number; child: ChildProcess }> {
  // A free port for every port of the simulator (each exchange's, Binance's WS-API, control), none left at its default.
  const keys = Object.keys(SIMULATOR_PORTS) as SimulatorPortKey[];
  const [metrics, ...free] = await Promise.all(Array.from({ length: keys.length + 1 }, freePort));
  const ports = Object.fromEntries(keys.map((key, i) => [key, free[i]!])) as Record<SimulatorPortKey, number>;
  const binance = ports.binance;
  const path = join(dir, 'sim.toml');
  writeFileSync(
    path,
    [
      '[log]',
      'level = "error"',
      '[metrics]',
      'host = "127.0.0.1"',
      '[metrics.ports]',
      `exchange_sim = ${metrics}`,
      '[simulator]',
      `update_interval_ms = ${UPDATE_MS}`,
      '[simulator.ports]',
      ...keys.map((key) => `${key} = ${ports[key]}`),
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/exchange-sim/src/main.ts', '--config', path], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`))));
  exited.catch(() => undefined);
  const listening = (async () => {
    const deadline = Date.now() + 20_000;
    while (!(await acceptsConnections(`127.0.0.1:${binance}`))) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the simulator to listen');
      await sleep(100);
    }
  })();
  await Promise.race([exited, listening]);
  return { port: binance, child };
}

interface Frame {
  key: string;
  pod: string;
  at: number;
}

/** One ingest pod: shard `index` of `count`, every connection of its plan. */
function startPod(config: ResolvedExchangeConfig, index: number, count: number, frames: Frame[]) {
  const pod = `n${count}-${index}`;
  const metrics = createIngestMetrics(new Registry(), 'binance');
  const plans = planConnections(config, binanceProtocol, { shard_index: index, shard_count: count });
  const slots = plans.map(
    (plan) =>
      new ConnectionSlot({
        slotId: `${pod}-${plan.id}`,
        plan,
        config,
        protocol: binanceProtocol,
        metrics,
        logger,
        sink: (_connId, key, _text, recvTs) => frames.push({ key, pod, at: recvTs }),
      }),
  );
  slots.forEach((slot) => slot.start());
  const keys = plans.flatMap((p) => p.streams.map((s) => s.key));
  return { pod, keys, stop: () => slots.forEach((slot) => slot.stop()) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cleanups: Array<() => void> = [];
after(() => cleanups.reverse().forEach((c) => c()));

test('resharding 2 → 3 against the simulator: every stream keeps delivering, no gap longer than 2 s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'klineflow-reshard-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const sim = await startSimulator(dir);
  cleanups.push(() => sim.child.kill('SIGKILL'));
  const config = resolveExchange(
    parseConfig(
      [
        '[websocket.binance]',
        `url = "ws://127.0.0.1:${sim.port}"`,
        `symbols = ${JSON.stringify(SYMBOLS)}`,
        'channels = ["kline"]',
        `intervals = ${JSON.stringify(INTERVALS)}`,
        'reconnect_delay = 0.1',
        'reconnect_max_delay = 0.5',
      ].join('\n'),
    ),
    'binance',
  )!;
  const allKeys = SYMBOLS.flatMap((s) => INTERVALS.map((i) => `${s.toLowerCase()}@kline_${i}`)).sort();
  const frames: Frame[] = [];
  const delivering = (pods: ReadonlyArray<{ pod: string; keys: string[] }>) => () =>
    pods.every(({ pod, keys }) => keys.every((key) => frames.some((f) => f.pod === pod && f.key === key)));

  const old = [0, 1].map((i) => startPod(config, i, 2, frames));
  cleanups.push(() => old.forEach((p) => p.stop()));
  assert.deepEqual(old.flatMap((p) => p.keys).sort(), allKeys, 'the 2 shards cover every stream');
  await waitUntil(delivering(old), 'the 2-shard generation delivering every stream', 10_000);
  const steadyFrom = Date.now();
  await sleep(1000);

  // Step 1: the 3-shard generation starts beside the old one (Parallel: all pods at once).
  const next = [0, 1, 2].map((i) => startPod(config, i, 3, frames));
  cleanups.push(() => next.forEach((p) => p.stop()));
  assert.deepEqual(next.flatMap((p) => p.keys).sort(), allKeys, 'the 3 shards cover every stream');
  assert.deepEqual(
    next.map((p) => p.keys.length / INTERVALS.length),
    [4, 3, 3],
    'balanced within one symbol',
  );
  await waitUntil(delivering(next), 'the 3-shard generation delivering every stream (ready)', 10_000);
  // Step 2: the old generation goes, pod by pod.
  for (const pod of [...old].reverse()) {
    pod.stop();
    await sleep(500);
  }
  const oldGoneAt = Date.now();
  await sleep(2000);
  const end = Date.now();

  for (const key of allKeys) {
    const times = frames
      .filter((f) => f.key === key && f.at >= steadyFrom)
      .map((f) => f.at)
      .sort((a, b) => a - b);
    const gaps = [times[0]! - steadyFrom, ...times.slice(1).map((t, i) => t - times[i]!), end - times.at(-1)!];
    assert.ok(Math.max(...gaps) <= MAX_GAP_MS, `${key}: longest silence ${Math.max(...gaps)} ms across the reshard`);
  }
  // After the old generation went, each stream came from exactly its new owner.
  const late = frames.filter((f) => f.at > oldGoneAt + 200);
  for (const key of allKeys) {
    const pods = new Set(late.filter((f) => f.key === key).map((f) => f.pod));
    assert.deepEqual([...pods], [next.find((p) => p.keys.includes(key))!.pod], `${key} served by its 3-shard owner only`);
  }
});
