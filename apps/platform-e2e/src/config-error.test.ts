// A configuration error found after start-up (here by an ingest app: more HTX streams than
// `max_connections` connections can carry, libs/ingest-runtime/src/plan.ts) stops `npm start` with the
// message that names the key and the fix, exit code CONFIG_ERROR_EXIT_CODE, and no restart loop.
//
// The platform runs with Kafka, Redis and ClickHouse pointed at closed loopback ports and its own
// metrics ports, so this run touches nothing of the shared stack or of a platform already running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { CONFIG_ERROR_EXIT_CODE, metricsPortKey, SERVICES } from '@klineflow/config';
import { writeConfig } from './harness.js';

/** Ports the OS had free a moment ago: nothing listens there (closed ports) unless we bind them. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Exits (code or signal) within `ms`, or 'timeout'. */
function exitWithin(child: ReturnType<typeof spawn>, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? String(code));
    });
  });
}

test('npm start stops with the message naming websocket.huobi.max_connections and its fix, exit code 78, without restarting', async () => {
  const [kafka, redis, clickhouse, ...metrics] = await freePorts(3 + SERVICES.length);
  // 200 symbols × 9 streams = 1800 HTX streams: at least 18 connections of 100 topics, and only 2 allowed.
  const symbols = Array.from({ length: 200 }, (_, i) => `C${String(i).padStart(3, '0')}USDT`);
  const configPath = writeConfig(`
[websocket.binance]
enabled = false
symbols = ["BTCUSDT"]

[websocket.okx]
enabled = false
symbols = ["BTCUSDT"]

[websocket.huobi]
symbols = ${JSON.stringify(symbols)}
max_connections = 2

[kafka]
brokers = ["127.0.0.1:${kafka}"]

[storage.redis]
url = "redis://127.0.0.1:${redis}/0"

[storage.clickhouse]
url = "http://127.0.0.1:${clickhouse}"

[metrics]
host = "127.0.0.1"

[metrics.ports]
${SERVICES.map((s, i) => `${metricsPortKey(s.name)} = ${metrics[i]}`).join('\n')}
`);
  const platform = spawn('npm', ['start', '--', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output: string[] = [];
  platform.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  platform.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  // npm start also runs `stack.sh up` and the build (~10 s here); the services are stopped in order after.
  const how = await exitWithin(platform, 90_000);
  if (how === 'timeout') process.kill(-platform.pid!, 'SIGKILL');
  const log = output.join('');
  const lines = log.split('\n');

  assert.equal(how, String(CONFIG_ERROR_EXIT_CODE), `npm start exits with the configuration error's code, promptly:\n${log.slice(-4000)}`);
  // The supervisor's own closing lines repeat the app's message in plain text: the key, the numbers and the fix.
  const closing = lines.filter((l) => l.startsWith('[start]')).join('\n');
  assert.match(closing, /ingest-huobi/);
  assert.match(
    closing,
    /websocket\.huobi\.max_connections: this shard needs \d+ connections .* but max_connections is 2; raise it, add shards \(ingest\.shard_count\) or subscribe fewer streams/,
  );
  // It ran once: one plain message from the app, and no restart.
  assert.equal(
    lines.filter((l) => l.startsWith('[ingest-huobi] ingest-huobi: websocket.huobi.max_connections')).length,
    1,
    log.slice(-4000),
  );
  assert.doesNotMatch(log, /ingest-huobi exited with code \d+; restarting/);
  // The JSON log line carries the message too, not `"error":{"name":"ConfigError"}` alone.
  assert.match(log, /"error":\{"message":"websocket\.huobi\.max_connections: [^"]+","name":"ConfigError"\}/);
  // Every service of this run is gone.
  assert.equal(spawnSync('pgrep', ['-f', configPath]).status, 1, 'no process of this run is left behind');
});
