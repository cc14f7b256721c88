// A Kafka broker restart under consumers built as the sinks' are (BatchingSinkConsumer: keepConsuming,
// groupConsumerConfig, a createKafka client per service): each group must be consuming again within
// 5 s of the broker accepting connections, and every record the producer had acknowledged must reach
// every group (at-least-once). The chaos suite's scenario (g) measures the same on the whole platform.
//
// Three groups ride the restart as they can: kafkajs may keep a consumer through it, or crash it
// ("No broker available" as the broker shuts down, "The coordinator is loading" as it comes back),
// and then keepConsuming replaces it. A fourth group's consumer dies for certain while the broker is
// away (a process killed with SIGKILL: a member that never left) and its replacement starts before
// the broker is back: the path on which a replacement once joined before evicting its dead
// incarnation and waited out that member's 10 s session, reloaded with the group.
//
// Isolation: a private broker (the stack's Kafka jars, a temporary KRaft directory, free ports), so
// stopping it touches nobody else's run. KLINEFLOW_BROKER_RESTARTS sets the number of restarts (default 1).
// Needs what `bash tools/stack/stack.sh install` installs (Java and the Kafka jars).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { loadConfig } from '@klineflow/config';
import { createKafka } from '@klineflow/kafka';
import { createLogger, HealthRegistry } from '@klineflow/observability';
import { acceptsConnections, startRestartableKafka, stopChild, waitFor } from '@klineflow/test-support';
import { BatchingSinkConsumer, type SinkConsumerOptions } from './batching-consumer.js';

const RESTARTS = Number(process.env.KLINEFLOW_BROKER_RESTARTS ?? 1);
const BOUND_MS = 5_000;
/** One consumer group per service, each on its own client, as the platform runs them. */
const SERVICES = ['redis-writer', 'clickhouse-sink', 'normalizer'] as const;
/** The group whose consumer dies while the broker is away (one process per restart). */
const DIES = 'dies-in-outage';
const TOPIC = 'restart-test';
const SEND_EVERY_MS = 25;

test(
  `after a broker restart (×${RESTARTS}) every consumer group flows again within ${BOUND_MS} ms of the broker accepting connections, nothing lost`,
  { timeout: 60_000 + RESTARTS * 45_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'klineflow-broker-restart-'));
    const broker = await startRestartableKafka(dir);
    const cleanup: Array<() => Promise<unknown>> = [];
    try {
      const config = loadConfig([], {});
      const prefix = `restart${process.pid}`;
      const kafkaConfig = { ...config.kafka, brokers: [broker.address], client_id: prefix };
      const admin = createKafka(kafkaConfig, 'admin').admin();
      await waitFor('the private broker', 60_000, async () => {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
        return true;
      });
      await admin.disconnect();

      /** Per group: when each record (by sequence number) was first written, and every write's time. */
      const received = new Map<string, Map<number, number>>();
      const writes = new Map<string, number[]>();
      const fatal: string[] = [];
      const sinkOptions = (service: string, groupId: string): SinkConsumerOptions => {
        received.set(groupId, new Map());
        writes.set(groupId, []);
        return {
          kafka: createKafka(kafkaConfig, service),
          brokers: [broker.address],
          sink: service,
          groupId,
          topics: [TOPIC],
          maxBatch: 1_000,
          maxDelayMs: 0,
          write: async (records) => {
            const now = Date.now();
            writes.get(groupId)!.push(now);
            for (const r of records) if (!received.get(groupId)!.has(Number(r.value))) received.get(groupId)!.set(Number(r.value), now);
          },
          registry: new Registry(),
          health: new HealthRegistry(),
          logger: createLogger(`restart-test-${service}`, 'info'),
          onFatal: (reason, error) => fatal.push(`${service}: ${reason}: ${String(error)}`),
        };
      };
      const stable = SERVICES.map((service) => `restart-test-${service}`);
      for (const [i, service] of SERVICES.entries()) {
        const sink = new BatchingSinkConsumer(sinkOptions(service, stable[i]!));
        await sink.start();
        cleanup.push(() => sink.stop());
      }

      // A producer built as the ingest apps' is, sending all along, through the outage too.
      const producer = createKafka(kafkaConfig, 'ingest-test').producer({ idempotent: false, allowAutoTopicCreation: false });
      await producer.connect();
      cleanup.push(() => producer.disconnect());
      const acked = new Map<number, number>();
      let seq = 0;
      let sending = true;
      const inFlight = new Set<Promise<unknown>>();
      const pump = (async () => {
        while (sending) {
          const n = seq++;
          const send = producer
            .send({ topic: TOPIC, messages: [{ key: String(n % 60), value: String(n) }] })
            .then(() => acked.set(n, Date.now()))
            .catch(() => undefined)
            .finally(() => inFlight.delete(send));
          inFlight.add(send);
          await new Promise((r) => setTimeout(r, SEND_EVERY_MS));
        }
      })();
      cleanup.push(async () => {
        sending = false;
        await pump;
      });

      const flowing = (groupId: string, after: number) => writes.get(groupId)?.find((at) => at > after);
      await waitFor('every group flowing before the restart', 30_000, () =>
        stable.every((g) => flowing(g, Date.now() - 500) !== undefined) ? true : undefined,
      );

      const results: Array<Record<string, number>> = [];
      for (let round = 0; round < RESTARTS; round++) {
        // The member that will die: its own process, in its own group, flowing before the broker stops.
        const app = `${DIES}-${round}`;
        const diesGroup = `restart-test-${app}`;
        const script = fileURLToPath(new URL('./broker-restart.test-member.ts', import.meta.url));
        const member = spawn(process.execPath, ['--import', 'tsx', script, broker.address, prefix, app, diesGroup, TOPIC], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        cleanup.push(() => stopChild(member, 1_000));
        await new Promise<void>((resolve, reject) => {
          createInterface({ input: member.stdout! }).once('line', () => resolve());
          member.once('exit', (code) => reject(new Error(`the member exited with ${code} before it consumed`)));
        });

        await broker.stop();
        const stoppedAt = Date.now();
        member.kill('SIGKILL');
        // Its replacement (same client id, as a restarted pod's or keepConsuming's next consumer) starts while the broker is away.
        const replacement = new BatchingSinkConsumer(sinkOptions(app, diesGroup));
        const replacing = replacement.start();
        cleanup.push(async () => {
          await replacing;
          await replacement.stop();
        });
        const starting = broker.start();
        const accepting = await waitFor(
          'the broker accepting connections',
          120_000,
          async () => ((await acceptsConnections(broker.address)) ? Date.now() : undefined),
          10,
        );
        await starting;
        const groups = [...stable, diesGroup];
        await waitFor(`every group flowing after restart ${round + 1}`, 60_000, () =>
          groups.every((g) => flowing(g, accepting) !== undefined) ? true : undefined,
        );
        const result: Record<string, number> = { down_ms: accepting - stoppedAt };
        const firstAck = [...acked.values()].filter((at) => at >= accepting).sort((a, b) => a - b)[0];
        if (firstAck !== undefined) result.producer_ms = firstAck - accepting;
        for (const [i, g] of groups.entries()) result[[...SERVICES, DIES][i]!] = flowing(g, accepting)! - accepting;
        results.push(result);
        t.diagnostic(`restart ${round + 1}: ${JSON.stringify(result)}`);
      }

      sending = false;
      await pump;
      await Promise.all(inFlight);
      const ackedSeqs = [...acked.keys()];
      await waitFor('every acknowledged record in every group', 30_000, () =>
        stable.every((g) => ackedSeqs.every((n) => received.get(g)!.has(n))) ? true : undefined,
      ).catch(() => undefined);
      for (const g of stable) {
        const missing = ackedSeqs.filter((n) => !received.get(g)!.has(n));
        assert.deepEqual(missing.slice(0, 20), [], `${g}: ${missing.length} of ${ackedSeqs.length} acknowledged records never written`);
      }
      assert.deepEqual(fatal, [], 'no consumer gave up');
      for (const [i, result] of results.entries())
        for (const [group, ms] of Object.entries(result))
          if (group !== 'down_ms' && group !== 'producer_ms')
            assert.ok(
              ms < BOUND_MS,
              `restart ${i + 1}: ${group} flowed ${ms} ms after the broker accepted connections (${JSON.stringify(result)})`,
            );
    } finally {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
