import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { EventLoopWatchdog, HealthRegistry } from './health.js';
import { startObservabilityServer } from './server.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

function started(clock = fakeClock()) {
  const watchdog = new EventLoopWatchdog({ intervalMs: 1_000, maxLagMs: 5_000, now: clock.now });
  const health = new HealthRegistry();
  health.watchEventLoop(watchdog);
  health.set('service', 'up');
  health.markStarted();
  return { clock, watchdog, health };
}

/** The watchdog's timer firing on time for `ms`. */
function turn(clock: ReturnType<typeof fakeClock>, watchdog: EventLoopWatchdog, ms: number): void {
  for (let t = 0; t < ms; t += watchdog.intervalMs) {
    clock.advance(watchdog.intervalMs);
    watchdog.tick();
  }
}

test('a dependency down fails readiness only: liveness stays up however long it lasts', () => {
  const { clock, watchdog, health } = started();
  health.set('sink:redis', 'up');
  assert.equal(health.readiness(clock.now()).status, 'up');
  health.set('sink:redis', 'down', 'write failed: connect ECONNREFUSED');
  health.set('redis', 'down', 'connect ECONNREFUSED');
  for (let minute = 1; minute <= 10; minute++) {
    turn(clock, watchdog, 60_000);
    assert.equal(health.liveness(clock.now()).status, 'up', `live after ${minute} min of outage`);
    const readiness = health.readiness(clock.now());
    assert.equal(readiness.status, 'down', `not ready after ${minute} min`);
    assert.equal(readiness.live, true);
    assert.equal(readiness.components['sink:redis']?.detail, 'write failed: connect ECONNREFUSED');
  }
  health.set('sink:redis', 'up');
  health.set('redis', 'up');
  assert.equal(health.readiness(clock.now()).status, 'up', 'ready again once the store is back');
});

test('degraded components keep the service ready', () => {
  const { clock, health } = started();
  health.set('consumer:redis-writer', 'degraded', 'restarting after: No broker available');
  assert.equal(health.readiness(clock.now()).status, 'degraded');
  assert.equal(health.liveness(clock.now()).status, 'up');
});

test('readiness waits for start-up; liveness does not', () => {
  const clock = fakeClock();
  const health = new HealthRegistry();
  health.watchEventLoop(new EventLoopWatchdog({ now: clock.now }));
  health.set('service', 'up');
  assert.deepEqual([health.readiness(clock.now()).status, health.readiness(clock.now()).started], ['down', false]);
  assert.equal(health.liveness(clock.now()).status, 'up');
  health.markStarted();
  assert.equal(health.readiness(clock.now()).status, 'up');
});

test('a blocked event loop fails liveness once the watchdog timer is overdue beyond the threshold', () => {
  const { clock, watchdog, health } = started();
  turn(clock, watchdog, 10_000);
  // The timer is due every second; nothing fires for 5 s (4 s late): still within the 5 s threshold.
  clock.advance(5_000);
  assert.equal(health.liveness(clock.now()).status, 'up');
  clock.advance(1_001);
  const stalled = health.liveness(clock.now());
  assert.equal(stalled.status, 'down');
  assert.deepEqual(stalled.eventLoop, { lagMs: 5_001, maxLagMs: 5_000 });
  assert.equal(health.readiness(clock.now()).status, 'down', 'not live, so not ready either');
});

test('a late tick keeps liveness down until the loop is on time again', () => {
  const { clock, watchdog, health } = started();
  clock.advance(8_000);
  watchdog.tick(); // fired 7 s late: the loop was blocked
  assert.equal(health.liveness(clock.now()).status, 'down', 'the lag that was measured');
  clock.advance(1_000);
  watchdog.tick();
  assert.equal(health.liveness(clock.now()).status, 'up', 'back on time');
});

test('a fatal state fails liveness and readiness for good', () => {
  const { clock, watchdog, health } = started();
  health.markFatal('kafka consumer crashed');
  health.markFatal('a later reason');
  turn(clock, watchdog, 30_000);
  assert.deepEqual(health.liveness(clock.now()), {
    status: 'down',
    fatal: 'kafka consumer crashed',
    eventLoop: { lagMs: 0, maxLagMs: 5_000 },
  });
  assert.equal(health.readiness(clock.now()).status, 'down');
});

test('the real watchdog timer measures a real block, without keeping the process alive', async () => {
  const watchdog = new EventLoopWatchdog({ intervalMs: 20, maxLagMs: 100 }).start();
  try {
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(watchdog.stalled(), false);
    const until = Date.now() + 250;
    while (Date.now() < until) {
      // A busy loop: no timer can fire.
    }
    assert.equal(watchdog.stalled(), true, `lag ${watchdog.lagMs()} ms`);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(watchdog.stalled(), false, 'recovered once the timer fires on time');
  } finally {
    watchdog.stop();
  }
});

test('/livez, /readyz and /health over HTTP: a store outage is 503 on readiness only', async () => {
  const { health } = started();
  const server = await startObservabilityServer({ host: '127.0.0.1', port: 0, registry: new Registry(), health });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const status = async (path: string) => (await fetch(base + path)).status;
  try {
    assert.deepEqual([await status('/livez'), await status('/readyz'), await status('/health')], [200, 200, 200]);
    health.set('sink:redis', 'down', 'write failed');
    assert.deepEqual(
      [await status('/livez'), await status('/readyz'), await status('/health'), await status('/readyz?verbose')],
      [200, 503, 503, 503],
    );
    const body = (await (await fetch(`${base}/readyz`)).json()) as { status: string; components: Record<string, { status: string }> };
    assert.equal(body.components['sink:redis']?.status, 'down');
    health.markFatal('gave up');
    assert.equal(await status('/livez'), 503);
    assert.deepEqual(await (await fetch(`${base}/livez`)).json(), {
      status: 'down',
      fatal: 'gave up',
      eventLoop: { lagMs: 0, maxLagMs: 5_000 },
    });
    assert.equal(await status('/nope'), 404);
  } finally {
    server.close();
  }
});
