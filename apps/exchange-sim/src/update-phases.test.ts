import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, TestClient, waitFor } from './test-support.js';
import type { SimPorts } from './simulator.js';

const INTERVAL_MS = 400;
let ports: SimPorts;
let stop: () => Promise<void>;

before(async () => {
  ({ ports, stop } = await startSim({ updateIntervalMs: INTERVAL_MS }));
});
after(() => stop());

test('streams push once per update interval each, at phases spread over the interval rather than in one burst', async () => {
  const symbols = Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(2, '0')}usdt`);
  const client = await TestClient.open(`ws://127.0.0.1:${ports.binance}/stream?streams=${symbols.map((s) => `${s}@ticker`).join('/')}`);
  const arrivals = new Map<string, number[]>();
  client.ws.on('message', (data: Buffer) => {
    const stream = (JSON.parse(data.toString()) as { stream?: string }).stream;
    if (stream) arrivals.set(stream, [...(arrivals.get(stream) ?? []), Date.now()]);
  });
  await waitFor('three updates of every stream', 10 * INTERVAL_MS, () =>
    arrivals.size === symbols.length && [...arrivals.values()].every((times) => times.length >= 3) ? true : undefined,
  );
  client.close();

  for (const [stream, times] of arrivals) {
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      assert.ok(gap > INTERVAL_MS / 2 && gap < INTERVAL_MS * 1.5, `${stream}: updates ${gap} ms apart`);
    }
  }
  // Aligned pushes would put every stream's first update in one 25 ms simulator tick.
  const firsts = [...arrivals.values()].map((times) => times[0]!);
  const ticks = new Set(firsts.map((t) => Math.floor((t - Math.min(...firsts)) / 25)));
  assert.ok(ticks.size >= 8, `first updates fell into only ${ticks.size} ticks`);
  assert.ok(Math.max(...firsts) - Math.min(...firsts) > INTERVAL_MS / 2, 'the phases cover most of the interval');
});
