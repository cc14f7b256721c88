import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { parseConfig, resolveExchange, type ResolvedExchangeConfig } from '@klineflow/config';
import { createLogger } from '@klineflow/observability';
import { binanceProtocol } from '@klineflow/exchange-modules';
import { MiniBinance, waitUntil } from '@klineflow/test-support';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { planConnections } from './plan.js';
import { ConnectionSlot } from './slot.js';

const logger = createLogger('ingest-binance-test', 'error');
logger.silent = true;

interface Received {
  connId: string;
  key: string;
  seq: number;
  /** The frame's event time `E`, stamped by the test server as it sent it. */
  eventTime: number;
  recvTs: number;
}

function setup(server: MiniBinance, symbols: string[], extra: string[] = []) {
  const config = resolveExchange(
    parseConfig(
      [
        '[websocket.binance]',
        `url = "${server.url}"`,
        `symbols = ${JSON.stringify(symbols)}`,
        'channels = ["kline"]',
        'intervals = ["1m"]',
        'reconnect_delay = 0.1',
        'reconnect_max_delay = 0.5',
        ...extra,
      ].join('\n'),
    ),
    'binance',
  ) as ResolvedExchangeConfig;
  const [plan] = planConnections(config, binanceProtocol, { shard_index: 0, shard_count: 1 });
  const registry = new Registry();
  const metrics: IngestMetrics = createIngestMetrics(registry, 'binance');
  const received: Received[] = [];
  const outages: Array<{ start: number; end: number }> = [];
  const slot = new ConnectionSlot({
    slotId: 'test',
    plan: plan!,
    config,
    protocol: binanceProtocol,
    metrics,
    logger,
    sink: (connId, key, text, recvTs) =>
      received.push({ connId, key, seq: Number(/"seq":(\d+)/.exec(text)![1]), eventTime: Number(/"E":(\d+)/.exec(text)![1]), recvTs }),
    onOutage: (start, end) => outages.push({ start, end }),
  });
  return { slot, received, registry, outages };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
}

/** Every stream's tick numbers, over both connections of a rotation, run without a hole. */
function assertNoEventLost(received: readonly Received[], keys: readonly string[]): void {
  for (const key of keys) {
    const seqs = [...new Set(received.filter((r) => r.key === key).map((r) => r.seq))].sort((a, b) => a - b);
    const holes = seqs.filter((s, i) => i > 0 && s !== seqs[i - 1]! + 1);
    assert.deepEqual(holes, [], `${key}: no event lost across the rotation`);
  }
}

const servers: MiniBinance[] = [];
const startServer = async () => {
  const server = await MiniBinance.start();
  servers.push(server);
  return server;
};
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

test('reconnects with backoff and resubscribes everything after a server-side terminate', async () => {
  const server = await startServer();
  const { slot, received, registry, outages } = setup(server, ['BTCUSDT', 'ETHUSDT']);
  slot.start();
  try {
    await waitUntil(() => new Set(received.map((r) => r.key)).size === 2, 'data on both streams');
    assert.equal(outages.length, 0, 'the first connect is not an outage');
    assert.deepEqual(server.connections[0]!.subscribeRequests, [['btcusdt@kline_1m', 'ethusdt@kline_1m']]);
    const droppedAt = Date.now();
    server.connections[0]!.ws.terminate();
    await waitUntil(
      () =>
        received.some((r) => r.recvTs > droppedAt && r.key === 'ethusdt@kline_1m') &&
        received.some((r) => r.recvTs > droppedAt && r.key === 'btcusdt@kline_1m'),
      'data again on both streams',
    );
    const resumedAt = Math.min(...received.filter((r) => r.recvTs > droppedAt).map((r) => r.recvTs));
    assert.ok(resumedAt - droppedAt < 1000, `data flowing again after ${resumedAt - droppedAt} ms (target < 1 s)`);
    assert.equal(server.connections.length, 2);
    assert.deepEqual([...server.connections[1]!.subscriptions].sort(), ['btcusdt@kline_1m', 'ethusdt@kline_1m']);
    assert.notEqual(received.at(-1)!.connId, received[0]!.connId, 'frames carry the new connection id');
    assert.equal(await metricValue(registry, 'klineflow_ws_reconnects_total', { reason: 'server_close' }), 1);
    assert.equal(await metricValue(registry, 'klineflow_ws_outage_windows_total', {}), 1);
    assert.equal(outages.length, 1, 'the outage window is reported once, for its backfill');
    // On the exchange's clock: from the event time of the lost connection's last frame to that of the new one's first.
    const onOld = received.filter((r) => r.connId === received[0]!.connId);
    const firstOnNew = received.find((r) => r.connId !== received[0]!.connId)!;
    assert.deepEqual(outages[0], { start: onOld.at(-1)!.eventTime, end: firstOnNew.eventTime });
    const durations = (await registry.getSingleMetric('klineflow_ws_reconnect_duration_seconds')!.get()).values as Array<{
      value: number;
      metricName?: string;
    }>;
    assert.equal(durations.find((v) => v.metricName?.endsWith('_count'))?.value, 1, 'reconnect duration observed once');
    assert.equal(slot.status().up, true);
  } finally {
    slot.stop();
  }
});

test('a connection that goes silent (no data, no answer to our ping) is probed, declared dead and replaced', async () => {
  const server = await startServer();
  const { slot, received, registry } = setup(server, ['BTCUSDT'], ['liveness_timeout = 0.3']);
  slot.start();
  try {
    await waitUntil(() => received.length > 0, 'first data');
    let probes = 0;
    server.connections[0]!.ws.on('ping', () => probes++);
    server.connections[0]!.frozen = true;
    await waitUntil(
      () => server.connections.length === 2 && received.at(-1)!.recvTs > server.connections[1]!.openedAt,
      'a replacement delivering data',
      3000,
    );
    assert.equal(probes, 1, 'one ping probed the silent connection before it was given up');
    assert.equal(await metricValue(registry, 'klineflow_ws_reconnects_total', { reason: 'liveness' }), 1);
  } finally {
    slot.stop();
  }
});

test('a quiet connection that answers the probe stays: no data for many liveness periods is not a dead socket', async () => {
  const server = await startServer();
  // Staleness is far off, so only the liveness probe could end the connection here.
  const { slot, received, registry } = setup(server, ['BTCUSDT'], ['liveness_timeout = 0.2', 'stale_after = 60']);
  slot.start();
  try {
    await waitUntil(() => received.length > 0, 'first data');
    let probes = 0;
    server.connections[0]!.ws.on('ping', () => probes++);
    server.connections[0]!.muted = true;
    await waitUntil(() => probes >= 5, 'five probes, each answered', 5000);
    assert.equal(server.connections.length, 1, 'the answering connection was kept');
    assert.equal(await metricValue(registry, 'klineflow_ws_reconnects_total', { reason: 'liveness' }), 0);
    server.connections[0]!.muted = false;
    const before = received.length;
    await waitUntil(() => received.length > before, 'data again on the same connection');
  } finally {
    slot.stop();
  }
});

test('the staleness watchdog resubscribes a silent stream, recycles once, then only resubscribes', async () => {
  const server = await startServer();
  server.silentSymbols.add('xyzusdt');
  const { slot, received, registry } = setup(server, ['BTCUSDT', 'XYZUSDT'], ['stale_after = 0.2']);
  slot.start();
  try {
    await waitUntil(() => (server.connections[0]?.subscribeRequests.length ?? 0) >= 2, 'a resubscribe on the first connection');
    assert.deepEqual(server.connections[0]!.subscribeRequests[1], ['xyzusdt@kline_1m'], 'only the silent stream is resubscribed');
    await waitUntil(() => server.connections.length === 2, 'the connection recycled after the resubscribe did not help');
    await waitUntil(() => (server.connections[1]?.subscribeRequests.length ?? 0) >= 3, 'repeated resubscribes on the replacement');
    assert.equal(server.connections.length, 2, 'a second recycle would not help: it only resubscribes now');
    assert.ok(received.filter((r) => r.key === 'btcusdt@kline_1m').length > 10, 'the healthy stream kept flowing');
    assert.ok((await metricValue(registry, 'klineflow_ws_stale_streams_total', {})) >= 3);
    assert.equal(await metricValue(registry, 'klineflow_ws_reconnects_total', { reason: 'stale' }), 1);
  } finally {
    slot.stop();
  }
});

test('serverShutdown rotates make-before-break: the old connection closes only after the new one delivers, no sequence gap', async () => {
  const server = await startServer();
  const { slot, received, registry } = setup(server, ['BTCUSDT', 'ETHUSDT']);
  slot.start();
  try {
    await waitUntil(() => received.length >= 10, 'data');
    const old = server.connections[0]!;
    server.send(old, '{"e":"serverShutdown","E":1}');
    await waitUntil(() => old.closedAt !== undefined, 'the old connection retired');
    const replacement = server.connections[1]!;
    assert.ok(
      replacement.firstSentAt !== undefined && replacement.firstSentAt <= old.closedAt!,
      'replacement delivered before the old one closed',
    );
    await waitUntil(() => received.filter((r) => r.connId.endsWith('g2')).length >= 10, 'data on the replacement');
    assertNoEventLost(received, ['btcusdt@kline_1m', 'ethusdt@kline_1m']);
    assert.equal(await metricValue(registry, 'klineflow_ws_rotations_total', { trigger: 'server_shutdown' }), 1);
    assert.equal(await metricValue(registry, 'klineflow_ws_reconnects_total', {}), 0, 'a rotation is not an outage');
    assert.equal(server.open.length, 1);
  } finally {
    slot.stop();
  }
});

test('rotation keeps the old connection until the replacement delivers every active stream, even when the first push trails the ack', async () => {
  const server = await startServer();
  server.firstPushDelayMs = 300;
  const { slot, received } = setup(server, ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']);
  slot.start();
  try {
    await waitUntil(() => received.length >= 30, 'data');
    const old = server.connections[0]!;
    server.send(old, '{"e":"serverShutdown","E":1}');
    await waitUntil(() => old.closedAt !== undefined, 'the old connection retired');
    await waitUntil(() => received.filter((r) => r.connId.endsWith('g2')).length >= 30, 'data on the replacement');
    assertNoEventLost(received, ['btcusdt@kline_1m', 'ethusdt@kline_1m', 'bnbusdt@kline_1m']);
  } finally {
    slot.stop();
  }
});

test('Binance ping frames are answered with a pong carrying the same payload', async () => {
  const server = await startServer();
  const { slot, received } = setup(server, ['BTCUSDT']);
  slot.start();
  try {
    await waitUntil(() => received.length > 0, 'connected');
    const pong = new Promise<string>((resolve) => server.connections[0]!.ws.once('pong', (data) => resolve(data.toString())));
    server.connections[0]!.ws.ping('1786538760000');
    assert.equal(await pong, '1786538760000');
  } finally {
    slot.stop();
  }
});

test('a frame naming a stream this connection never subscribed is keyed by the connection, and dates no outage', async () => {
  const server = await startServer();
  const { slot, received, outages } = setup(server, ['BTCUSDT']);
  slot.start();
  try {
    await waitUntil(() => received.length > 0, 'first data');
    const conn = server.connections[0]!;
    // A mangled symbol and a corrupt time: it must neither become a stream nor open the next outage window.
    server.send(conn, '{"stream":"btcgusdt@kline_1m","data":{"e":"kline","E":100000000000000000000000,"seq":0,"s":"BTCGUSDT"}}');
    await waitUntil(() => received.some((r) => r.seq === 0 && r.eventTime > 1e20), 'the mangled frame forwarded');
    const mangled = received.find((r) => r.seq === 0 && r.eventTime > 1e20)!;
    assert.equal(mangled.key, mangled.connId, 'keyed by the connection id, not as stream btcgusdt@kline_1m');
    assert.ok(!received.some((r) => r.key === 'btcgusdt@kline_1m'));
    conn.ws.terminate();
    await waitUntil(() => outages.length === 1, 'the outage after the drop');
    assert.ok(
      outages[0]!.start < 1e15,
      `the outage starts at the last frame of a subscribed stream, not 1e23: ${JSON.stringify(outages[0])}`,
    );
  } finally {
    slot.stop();
  }
});
