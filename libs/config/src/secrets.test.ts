import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, redactConfig, REDACTED } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'klineflow-secrets-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a secret from the environment is taken verbatim, whatever TOML would make of it', () => {
  for (const password of ['123456', 'true', 'a,b', '"quoted"', '[x]', 'p=q#r']) {
    const config = parseConfig('', {
      KLINEFLOW__STORAGE__REDIS__PASSWORD: password,
      KLINEFLOW__KAFKA__SASL__MECHANISM: 'scram-sha-512',
      KLINEFLOW__KAFKA__SASL__USERNAME: '42',
      KLINEFLOW__KAFKA__SASL__PASSWORD: password,
    });
    assert.equal(config.storage.redis.password, password);
    assert.equal(config.kafka.sasl.password, password);
    assert.equal(config.kafka.sasl.username, '42');
  }
  // Non-string keys still parse as TOML, and a list key takes one item as a list of one.
  assert.equal(parseConfig('', { KLINEFLOW__KAFKA__TLS__ENABLED: 'true' }).kafka.tls.enabled, true);
  assert.deepEqual(parseConfig('', { KLINEFLOW__KAFKA__BROKERS: 'kafka-0.kafka:9092' }).kafka.brokers, ['kafka-0.kafka:9092']);
});

test('<secret>_file reads the secret from a file (one trailing newline dropped), for each secret', () => {
  const file = join(dir, 'pw');
  writeFileSync(file, 's3cr3t with spaces\n');
  const config = parseConfig(`[kafka.sasl]\nmechanism = "scram-sha-256"\nusername = "app"\npassword_file = "${file}"\n`, {
    KLINEFLOW__STORAGE__REDIS__PASSWORD_FILE: file,
    KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD_FILE: file,
  });
  assert.equal(config.kafka.sasl.password, 's3cr3t with spaces');
  assert.equal(config.storage.redis.password, 's3cr3t with spaces');
  assert.equal(config.storage.clickhouse.password, 's3cr3t with spaces');
});

test('misconfigured credentials stop start-up naming the key and the fix, never the secret', () => {
  const reject = (text: string, env: Record<string, string>, expected: RegExp) => {
    assert.throws(
      () => parseConfig(text, env, 'klineflow.toml'),
      (error: Error) => {
        assert.equal(error.name, 'ConfigError');
        assert.match(error.message, /invalid configuration \(klineflow\.toml\)/);
        assert.match(error.message, expected);
        assert.doesNotMatch(error.message, /hunter2/, 'the message shows no secret');
        return true;
      },
    );
  };
  reject(
    '',
    { KLINEFLOW__KAFKA__SASL__MECHANISM: 'scram-sha-512' },
    /kafka\.sasl\.username: scram-sha-512 needs a user[\s\S]*kafka\.sasl\.password: scram-sha-512 needs a password: set KLINEFLOW__KAFKA__SASL__PASSWORD/,
  );
  reject(
    '',
    { KLINEFLOW__KAFKA__SASL__MECHANISM: 'scram-sha-1' },
    /kafka\.sasl\.mechanism: must be one of "none", "scram-sha-256", "scram-sha-512"/,
  );
  reject(
    '',
    { KLINEFLOW__KAFKA__SASL__PASSWORD: 'hunter2', KLINEFLOW__KAFKA__SASL__USERNAME: 'app' },
    /kafka\.sasl\.mechanism: credentials are set but the mechanism is "none"/,
  );
  reject('', { KLINEFLOW__STORAGE__REDIS__USERNAME: 'app' }, /storage\.redis\.password: an ACL user needs its password/);
  reject(
    '',
    { KLINEFLOW__STORAGE__REDIS__PASSWORD: 'hunter2', KLINEFLOW__STORAGE__REDIS__PASSWORD_FILE: '/x' },
    /storage\.redis\.password_file: storage\.redis\.password is set as well: set one of them/,
  );
  reject(
    '',
    { KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD_FILE: '/nonexistent/pw' },
    /storage\.clickhouse\.password_file: cannot read \/nonexistent\/pw \(ENOENT\): mount the Secret there/,
  );
  reject('', { KLINEFLOW__STORAGE__REDIS__CA_FILE: '/etc/hostname' }, /storage\.redis\.ca_file: only used over TLS: use a rediss:\/\/ url/);
  reject(
    '',
    { KLINEFLOW__KAFKA__TLS__CA_FILE: '/etc/hostname' },
    /kafka\.tls\.ca_file: only used over TLS: set kafka\.tls\.enabled = true/,
  );
  reject(
    '',
    { KLINEFLOW__STORAGE__CLICKHOUSE__URL: 'https://ch:8443', KLINEFLOW__STORAGE__CLICKHOUSE__CA_FILE: '/nonexistent/ca.pem' },
    /storage\.clickhouse\.ca_file: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/,
  );
});

test('redactConfig hides every secret that is set and URL passwords, and leaves the config itself alone', () => {
  const config = parseConfig('', {
    KLINEFLOW__KAFKA__SASL__MECHANISM: 'scram-sha-512',
    KLINEFLOW__KAFKA__SASL__USERNAME: 'app',
    KLINEFLOW__KAFKA__SASL__PASSWORD: 'hunter2',
    KLINEFLOW__STORAGE__REDIS__URL: 'rediss://app:hunter3@redis:6380/0',
    KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD: 'hunter4',
  });
  const shown = JSON.stringify(redactConfig(config));
  for (const secret of ['hunter2', 'hunter3', 'hunter4']) assert.ok(!shown.includes(secret), `${secret} is redacted`);
  assert.ok(shown.includes(`rediss://app:${REDACTED}@redis:6380/0`));
  assert.ok(shown.includes('"username":"app"'), 'user names stay visible');
  assert.equal(redactConfig(parseConfig('')).storage.redis.password, '', 'an unset secret shows as unset');
  assert.equal(config.kafka.sasl.password, 'hunter2', 'the original is untouched');
});
