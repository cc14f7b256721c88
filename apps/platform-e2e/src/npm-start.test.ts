// The README's promise: `npm start -- --config config/local-sim.toml` brings the platform up
// from nothing, a StandardKline is in Redis within a minute, and Ctrl-C stops it cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { SERVICES } from '@klineflow/config';
import { validateStandardKline } from '@klineflow/schemas';
import { REDIS_URL, resetKafka, waitFor } from './harness.js';

test('npm start with the simulator config writes klines to Redis within a minute and stops on Ctrl-C', async () => {
  await resetKafka();
  const redis = new Redis(REDIS_URL);
  const key = 'kline:binance:BTCUSDT:1m';
  await redis.del(key);
  const output: string[] = [];
  const started = Date.now();
  const platform = spawn('npm', ['start', '--', '--config', 'config/local-sim.toml'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  platform.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  platform.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<string>((resolve) => platform.once('exit', (code, signal) => resolve(signal ?? String(code))));
  try {
    const latest = await waitFor(`${key} in Redis`, 60_000, async () => (await redis.hget(key, 'latest')) ?? undefined, 500);
    const kline = JSON.parse(latest) as unknown;
    assert.ok(validateStandardKline(kline), `a StandardKline: ${latest}`);
    assert.equal(kline.symbol, 'BTCUSDT');
    assert.ok(Date.now() - started < 60_000, 'within one minute of start');
  } finally {
    process.kill(-platform.pid!, 'SIGINT');
    const how = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 40_000).unref())]);
    redis.disconnect();
    // npm re-raises the SIGINT it received once its child has exited; the supervisor itself exits 0.
    assert.ok(how === 'SIGINT' || how === '0', `ended by Ctrl-C, not by a timeout or a failure (${how}):\n${output.join('').slice(-3000)}`);
  }
  const log = output.join('');
  assert.match(log, /stopping \(flushing batches, committing offsets\)/);
  // Every service of the catalogue: config/local-sim.toml runs the simulator and each exchange's ingest.
  for (const app of SERVICES.map((s) => s.name)) {
    assert.match(log, new RegExp(`"message":"shutting down","service":"${app}"`), `${app} shut down in order`);
  }
  assert.equal(spawnSync('pgrep', ['-f', 'dist/apps/.*/main.js']).status, 1, 'no service process is left behind');
});
