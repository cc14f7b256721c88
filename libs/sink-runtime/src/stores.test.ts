import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@klineflow/config';
import { clickhouseConnection, redisConnection } from './stores.js';

const dir = mkdtempSync(join(tmpdir(), 'klineflow-stores-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const ca = join(dir, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n');

test("redisConnection: nothing set leaves the URL's own credentials in force; set ones and a CA are passed", () => {
  assert.deepEqual(redisConnection(parseConfig('', { KLINEFLOW__STORAGE__REDIS__URL: 'redis://:in-url@redis:6379/0' }).storage.redis), {});
  const settings = parseConfig('', {
    KLINEFLOW__STORAGE__REDIS__URL: 'rediss://redis:6380/0',
    KLINEFLOW__STORAGE__REDIS__USERNAME: 'writer',
    KLINEFLOW__STORAGE__REDIS__PASSWORD: 'pw',
    KLINEFLOW__STORAGE__REDIS__CA_FILE: ca,
  }).storage.redis;
  assert.deepEqual(redisConnection(settings), {
    username: 'writer',
    password: 'pw',
    tls: { ca: '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n' },
  });
  assert.deepEqual(
    redisConnection({ ...settings, ca_file: '' }),
    { username: 'writer', password: 'pw' },
    "rediss:// without a CA: ioredis's TLS with the public CAs",
  );
});

test('clickhouseConnection: URL, user and password always; the CA only over https', () => {
  const settings = parseConfig('', {
    KLINEFLOW__STORAGE__CLICKHOUSE__URL: 'https://ch:8443',
    KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD: 'pw',
    KLINEFLOW__STORAGE__CLICKHOUSE__CA_FILE: ca,
  }).storage.clickhouse;
  const connection = clickhouseConnection(settings);
  assert.deepEqual({ ...connection, tls: undefined }, { url: 'https://ch:8443', username: 'default', password: 'pw', tls: undefined });
  assert.match(connection.tls!.ca_cert.toString(), /BEGIN CERTIFICATE/);
  assert.deepEqual(clickhouseConnection(parseConfig('').storage.clickhouse), {
    url: 'http://127.0.0.1:8123',
    username: 'default',
    password: '',
  });
});
