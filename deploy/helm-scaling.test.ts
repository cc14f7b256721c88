// Issue 11 part 3: consumers scale on their Kafka lag (KEDA), never past the partition count, and
// the chart's own replicas do not fight the autoscaler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { type ChartObject, componentOf, ofKind, renderChart } from './chart.js';

const CONSUMERS = ['clickhouse-sink', 'normalizer', 'redis-writer'];

interface Trigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}
const scaled = (objects: ChartObject[]) => ofKind(objects, 'ScaledObject');
const spec = (o: ChartObject) =>
  o.spec as { scaleTargetRef: { kind: string; name: string }; minReplicaCount: number; maxReplicaCount: number; triggers: Trigger[] };
const deployment = (objects: ChartObject[], app: string) => ofKind(objects, 'Deployment').find((d) => componentOf(d) === app)!;

/** The consumer group an app joins, read from its source (groupId: '...' or CONSUMER_GROUP = '...'). */
function groupInCode(app: string): string {
  const dir = `apps/${app}/src`;
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.includes('.test.'))
    .map((f) => readFileSync(`${dir}/${f}`, 'utf8'));
  const groups = sources.flatMap((s) => [...s.matchAll(/(?:groupId: |CONSUMER_GROUP = )'([^']+)'/g)].map((m) => m[1]!));
  assert.equal(new Set(groups).size, 1, `${app} joins one group: ${groups.join(', ')}`);
  return groups[0]!;
}

test('off by default: no ScaledObject, the Deployments keep the chart replicas', () => {
  const { objects } = renderChart();
  assert.equal(scaled(objects).length, 0);
  for (const app of CONSUMERS) assert.equal(typeof deployment(objects, app).spec!.replicas, 'number', app);
});

test('switched on: a ScaledObject per consumer on its group lag, up to the partition count the topics job creates', () => {
  const { objects, stderr } = renderChart(
    'autoscaling.enabled=true',
    'config.kafka.partitions=12',
    'config.kafka.brokers={k1:9092,k2:9092}',
    'autoscaling.lagThreshold=5000',
  );
  assert.deepEqual(scaled(objects).map(componentOf).sort(), CONSUMERS, stderr);
  const script = ofKind(objects, 'Job')[0]!.spec!.template!.spec.containers[0]!.args!.join('\n');
  const partitions = new Set([...script.matchAll(/--partitions (\d+)/g)].map((m) => Number(m[1])));
  assert.deepEqual([...partitions], [12]);
  for (const object of scaled(objects)) {
    const app = componentOf(object)!;
    const { scaleTargetRef, minReplicaCount, maxReplicaCount, triggers } = spec(object);
    assert.deepEqual(scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment(objects, app).metadata.name });
    assert.equal(maxReplicaCount, 12, `${app}: as many as there are partitions`);
    assert.equal(minReplicaCount, 1);
    assert.equal(triggers.length, 1);
    assert.equal(triggers[0]!.type, 'kafka');
    assert.deepEqual(triggers[0]!.metadata, {
      bootstrapServers: 'k1:9092,k2:9092',
      consumerGroup: groupInCode(app),
      lagThreshold: '5000',
      allowIdleConsumers: 'false',
    });
    // The autoscaler owns the count: a replicas field would put it back on every helm upgrade.
    assert.equal(deployment(objects, app).spec!.replicas, undefined, app);
  }
});

test('maxReplicas is bounded by the partitions: lower is kept, higher is refused', () => {
  const lower = renderChart('autoscaling.enabled=true', 'autoscaling.maxReplicas=4');
  assert.ok(
    scaled(lower.objects).every((o) => spec(o).maxReplicaCount === 4),
    lower.stderr,
  );
  const higher = renderChart('autoscaling.enabled=true', 'autoscaling.maxReplicas=7', 'config.kafka.partitions=6');
  assert.notEqual(higher.status, 0);
  assert.match(higher.stderr, /maxReplicas \(7\) exceeds config\.kafka\.partitions \(6\)/);
  const crossed = renderChart('autoscaling.enabled=true', 'autoscaling.minReplicas=5', 'autoscaling.maxReplicas=3');
  assert.match(crossed.stderr, /minReplicas \(5\) exceeds maxReplicas \(3\)/);
});

test('one consumer can be scaled alone, and a secured Kafka gets its TriggerAuthentication', () => {
  const { objects, stderr } = renderChart(
    'consumers.normalizer.autoscaling.enabled=true',
    'consumers.normalizer.autoscaling.maxReplicas=3',
    'autoscaling.authenticationRef=kafka-auth',
    'autoscaling.triggerMetadata.sasl=scram_sha512',
    'autoscaling.triggerMetadata.tls=enable',
  );
  assert.deepEqual(scaled(objects).map(componentOf), ['normalizer'], stderr);
  const [trigger] = spec(scaled(objects)[0]!).triggers;
  assert.equal(spec(scaled(objects)[0]!).maxReplicaCount, 3);
  assert.deepEqual(trigger!.authenticationRef, { name: 'kafka-auth' });
  assert.equal(trigger!.metadata['sasl'], 'scram_sha512');
  assert.equal(trigger!.metadata['tls'], 'enable');
  assert.equal(deployment(objects, 'normalizer').spec!.replicas, undefined);
  assert.equal(deployment(objects, 'redis-writer').spec!.replicas, 2, 'the others keep theirs');
});
