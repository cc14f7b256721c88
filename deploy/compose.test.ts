import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseConfig } from '@klineflow/config';
import { ALL_TOPICS } from '@klineflow/kafka';
import { PIPELINE_APPS } from './services.js';

interface Service {
  build?: { context: string; dockerfile: string };
  ports?: string[];
  environment?: Record<string, string>;
  command?: string[];
}
const compose = parse(readFileSync('deploy/docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };

test('every pipeline app is built from its own Dockerfile and publishes its metrics port', () => {
  for (const { app, defaultPort } of PIPELINE_APPS) {
    const service = compose.services[app];
    assert.ok(service, `service ${app}`);
    assert.deepEqual(service.build, { context: '..', dockerfile: `apps/${app}/Dockerfile` });
    assert.ok(existsSync(`apps/${app}/Dockerfile`));
    assert.deepEqual(service.ports, [`127.0.0.1:${defaultPort}:${defaultPort}`]);
  }
});

test("the apps' environment overrides give a valid config pointing at the compose services", () => {
  for (const { app } of PIPELINE_APPS) {
    const config = parseConfig(readFileSync('config/klineflow.toml', 'utf8'), compose.services[app]!.environment ?? {}, `compose ${app}`);
    assert.deepEqual(config.kafka.brokers, ['kafka:9092']);
    assert.equal(config.storage.redis.url, 'redis://redis:6379/0');
    assert.equal(config.storage.clickhouse.url, 'http://clickhouse:8123');
  }
});

test('the topics service creates exactly the topics of libs/kafka, compacting the compacted ones', () => {
  const script = compose.services['kafka-topics']!.command!.join('\n');
  const loopTopics = /for topic in ([^;]+);/.exec(script)?.[1]?.trim().split(/\s+/) ?? [];
  const explicit = [...script.matchAll(/--topic (?!"\$\$topic")(\S+)[^\n]*/g)].map((m) => ({
    topic: m[1]!,
    compacted: m[0].includes('cleanup.policy=compact'),
  }));
  const created = [...loopTopics.map((topic) => ({ topic, compacted: false })), ...explicit].sort((a, b) => a.topic.localeCompare(b.topic));
  assert.deepEqual(
    created,
    ALL_TOPICS.map((t) => ({ topic: t.topic, compacted: t.compacted === true })).sort((a, b) => a.topic.localeCompare(b.topic)),
  );
});
