// Credentials against real servers with authentication switched on (issue 11 part 2): a Kafka broker
// whose only listener is SASL_PLAINTEXT with SCRAM, a redis-server with `requirepass` and an ACL user,
// a clickhouse-server whose only user has a password. All three are private (@klineflow/test-support private-servers.ts), so
// the shared, unauthenticated stack is left alone.
//
// For each: the right credentials write data that is read back; a wrong password and no credentials
// are refused with the server's own words for it. Each server also listens for TLS with a certificate of
// a test CA (SASL_SSL, rediss://, https://): trusted through ca_file, refused without it. Then redis-writer and clickhouse-sink (dist
// bundles, their own processes) run with every secret set, through the environment and through
// `<secret>_file`, store what Kafka carries, and no secret shows in any log line, in /metrics or in
// /readyz; the same apps given a wrong password say which server refused them.
//
// Needs `node tools/build.mjs` (npm test builds first) and what `bash tools/stack/stack.sh install` installs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { metricsPortKey, parseConfig, type KlineflowConfig } from '@klineflow/config';
import { createKafka, ensureTopics, Kafka, kafkaSecurity, logLevel, TOPICS } from '@klineflow/kafka';
import { AppProcess, type AppName } from '@klineflow/process-runner';
import type { StandardKline } from '@klineflow/schemas';
import { clickhouseConnection, redisConnection } from '@klineflow/sink-runtime';
import { waitFor } from './harness.js';
import {
  freePort,
  makeCertificates,
  startAuthClickhouse,
  startAuthRedis,
  startScramKafka,
  type Certificates,
  type PrivateServer,
} from '@klineflow/test-support';

/** Distinctive, so that finding one in a log line cannot be a coincidence. */
const secret = (what: string) => `${what}-${randomBytes(12).toString('base64url')}`;
const KAFKA_USER = { username: 'klineflow', password: secret('kafka') };
const REDIS_USER = { username: 'klineflow', password: secret('redis') };
const REDIS_REQUIREPASS = secret('requirepass');
const CLICKHOUSE_USER = { username: 'klineflow', password: secret('clickhouse') };
const SECRETS = [KAFKA_USER.password, REDIS_USER.password, REDIS_REQUIREPASS, CLICKHOUSE_USER.password];

const dir = mkdtempSync(join(tmpdir(), 'klineflow-auth-'));
let kafka: PrivateServer;
let redis: PrivateServer;
let clickhouse: PrivateServer;
let certificates: Certificates;

before(async () => {
  for (const app of ['redis-writer', 'clickhouse-sink'])
    assert.ok(existsSync(`dist/apps/${app}/main.js`), `dist/apps/${app}/main.js missing: run node tools/build.mjs`);
  certificates = makeCertificates(dir);
  [kafka, redis, clickhouse] = await Promise.all([
    startScramKafka(dir, [KAFKA_USER], certificates),
    startAuthRedis(dir, { requirepass: REDIS_REQUIREPASS, user: REDIS_USER, tls: certificates }),
    startAuthClickhouse(dir, CLICKHOUSE_USER, certificates),
  ]);
});

after(async () => {
  await Promise.all([kafka, redis, clickhouse].map((s) => s?.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** The config an app would load with these KLINEFLOW__ variables: the tests go through the same parsing. */
const configFrom = (env: Record<string, string>): KlineflowConfig => parseConfig('', env, 'test environment');
const kafkaEnv = (mechanism: string, password: string, brokers = kafka.address) => ({
  KLINEFLOW__KAFKA__BROKERS: brokers,
  KLINEFLOW__KAFKA__SASL__MECHANISM: mechanism,
  KLINEFLOW__KAFKA__SASL__USERNAME: KAFKA_USER.username,
  KLINEFLOW__KAFKA__SASL__PASSWORD: password,
});

/** Produces a record with a client of `config` and reads it back with a consumer group of its own. */
async function roundTrip(config: KlineflowConfig, tag: string): Promise<void> {
  const client = createKafka(config.kafka, `auth-test-${tag}`);
  const producer = client.producer();
  await producer.connect();
  const value = `${tag} ${Date.now()}`;
  await producer.send({ topic: TOPICS.deadLetter, messages: [{ key: tag, value }] });
  await producer.disconnect();
  const consumer = client.consumer({ groupId: `auth-test-${tag}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.deadLetter, fromBeginning: true });
  const read: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void read.push(message.value!.toString()) });
  await waitFor(`the ${tag} record read back`, 30_000, () => (read.includes(value) ? true : undefined)).finally(() =>
    consumer.disconnect(),
  );
}

test(
  'Kafka SASL/SCRAM: SCRAM-SHA-256 and -512 produce and consume; a wrong password or no SASL is refused',
  { timeout: 120_000 },
  async () => {
    const admin = createKafka(configFrom(kafkaEnv('scram-sha-512', KAFKA_USER.password)).kafka, 'auth-test').admin();
    await admin.connect();
    await ensureTopics(admin, 1);
    await admin.disconnect();

    for (const mechanism of ['scram-sha-256', 'scram-sha-512'])
      await roundTrip(configFrom(kafkaEnv(mechanism, KAFKA_USER.password)), mechanism);

    const wrong = createKafka(configFrom(kafkaEnv('scram-sha-512', 'not-the-password')).kafka, 'auth-test-wrong').admin();
    await assert.rejects(wrong.connect(), /SASL SCRAM SHA512 authentication failed.*invalid credentials/);
    // Without SASL the broker answers ApiVersions (which is all a connect sends) and hangs up at the next request.
    const anonymous = createKafka(configFrom({ KLINEFLOW__KAFKA__BROKERS: kafka.address }).kafka, 'auth-test-anonymous').admin({
      retry: { retries: 0 },
    });
    await anonymous.connect();
    await assert.rejects(anonymous.listTopics(), /Closed connection|disconnected|ECONNRESET/);
    await anonymous.disconnect();
  },
);

test(
  'Redis: the ACL user and the requirepass password write and read; a wrong password gets WRONGPASS, none NOAUTH',
  { timeout: 60_000 },
  async () => {
    /** What the server said: ioredis emits a refused AUTH as an error event, and the connect rejects with "Connection is closed". */
    const errors: string[] = [];
    const client = (env: Record<string, string>) => {
      const settings = configFrom({ KLINEFLOW__STORAGE__REDIS__URL: `redis://${redis.address}/0`, ...env }).storage.redis;
      const r = new Redis(settings.url, {
        ...redisConnection(settings),
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      r.on('error', (error: Error) => void errors.push(error.message));
      return r;
    };
    const acl = client({
      KLINEFLOW__STORAGE__REDIS__USERNAME: REDIS_USER.username,
      KLINEFLOW__STORAGE__REDIS__PASSWORD: REDIS_USER.password,
    });
    await acl.connect();
    assert.equal(await acl.call('ACL', 'WHOAMI'), REDIS_USER.username);
    await acl.set('auth-test', 'written by the ACL user');
    acl.disconnect();
    const passwordFile = join(dir, 'redis-password');
    writeFileSync(passwordFile, `${REDIS_REQUIREPASS}\n`);
    const byRequirepass = client({ KLINEFLOW__STORAGE__REDIS__PASSWORD_FILE: passwordFile });
    await byRequirepass.connect();
    assert.equal(await byRequirepass.call('ACL', 'WHOAMI'), 'default');
    assert.equal(await byRequirepass.get('auth-test'), 'written by the ACL user');
    byRequirepass.disconnect();

    const wrong = client({
      KLINEFLOW__STORAGE__REDIS__USERNAME: REDIS_USER.username,
      KLINEFLOW__STORAGE__REDIS__PASSWORD: 'not-the-password',
    });
    await assert.rejects(wrong.connect());
    assert.match(errors.at(-1)!, /WRONGPASS invalid username-password pair/);
    wrong.disconnect();
    const anonymous = client({});
    await assert.rejects(anonymous.connect());
    assert.match(errors.at(-1)!, /NOAUTH Authentication required/);
    anonymous.disconnect();
  },
);

test(
  'ClickHouse: the user with its password creates, inserts and selects; a wrong password or none is refused',
  { timeout: 60_000 },
  async () => {
    const client = (env: Record<string, string>) =>
      createClient({
        ...clickhouseConnection(configFrom({ KLINEFLOW__STORAGE__CLICKHOUSE__URL: clickhouse.address, ...env }).storage.clickhouse),
        log: { level: ClickHouseLogLevel.OFF },
      });
    const user = client({
      KLINEFLOW__STORAGE__CLICKHOUSE__USERNAME: CLICKHOUSE_USER.username,
      KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD: CLICKHOUSE_USER.password,
    });
    await user.command({ query: 'CREATE DATABASE IF NOT EXISTS auth_test' });
    await user.command({ query: 'CREATE TABLE IF NOT EXISTS auth_test.t (v String) ENGINE = Memory' });
    await user.insert({ table: 'auth_test.t', values: [{ v: 'written with a password' }], format: 'JSONEachRow' });
    const rows = await (await user.query({ query: 'SELECT v FROM auth_test.t', format: 'JSONEachRow' })).json();
    assert.deepEqual(rows, [{ v: 'written with a password' }]);
    await user.close();

    const wrong = client({
      KLINEFLOW__STORAGE__CLICKHOUSE__USERNAME: CLICKHOUSE_USER.username,
      KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD: 'not-the-password',
    });
    await assert.rejects(wrong.query({ query: 'SELECT 1' }), /Wrong password for user klineflow/);
    await wrong.close();
    // No credentials means the `default` user, which this server does not have.
    const anonymous = client({});
    await assert.rejects(anonymous.query({ query: 'SELECT 1' }), /Unknown user default/);
    await anonymous.close();
  },
);

test(
  'TLS with a private CA: SASL_SSL Kafka, rediss:// Redis and https:// ClickHouse work given ca_file; without it the certificate is refused',
  { timeout: 120_000 },
  async () => {
    // The server's certificate chain is not trusted (Kafka sends only its own certificate, the others the CA's too).
    const UNTRUSTED = /self[- ]signed certificate|unable to verify the first certificate/;
    const kafkaTls = { ...kafkaEnv('scram-sha-512', KAFKA_USER.password, kafka.tlsAddress), KLINEFLOW__KAFKA__TLS__ENABLED: 'true' };
    await roundTrip(configFrom({ ...kafkaTls, KLINEFLOW__KAFKA__TLS__CA_FILE: certificates.ca }), 'tls');
    // Node's public CAs do not know the test CA. No retries: a refused certificate would be retried as a connection error.
    const untrusting = new Kafka({
      brokers: [kafka.tlsAddress!],
      ...kafkaSecurity(configFrom(kafkaTls).kafka),
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    }).admin();
    await assert.rejects(untrusting.connect(), UNTRUSTED);

    const redisTls = (env: Record<string, string>) => {
      const settings = configFrom({
        KLINEFLOW__STORAGE__REDIS__URL: `rediss://${redis.tlsAddress}/0`,
        KLINEFLOW__STORAGE__REDIS__USERNAME: REDIS_USER.username,
        KLINEFLOW__STORAGE__REDIS__PASSWORD: REDIS_USER.password,
        ...env,
      }).storage.redis;
      const errors: string[] = [];
      const client = new Redis(settings.url, {
        ...redisConnection(settings),
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', (error: Error) => void errors.push(error.message));
      return { client, errors };
    };
    const trusted = redisTls({ KLINEFLOW__STORAGE__REDIS__CA_FILE: certificates.ca }).client;
    await trusted.connect();
    await trusted.set('auth-test-tls', 'over TLS');
    assert.equal(await trusted.get('auth-test-tls'), 'over TLS');
    trusted.disconnect();
    const untrusted = redisTls({});
    await assert.rejects(untrusted.client.connect());
    assert.match(untrusted.errors.join('\n'), UNTRUSTED);
    untrusted.client.disconnect();

    const clickhouseTls = (env: Record<string, string>) =>
      createClient({
        ...clickhouseConnection(
          configFrom({
            KLINEFLOW__STORAGE__CLICKHOUSE__URL: clickhouse.tlsAddress!,
            KLINEFLOW__STORAGE__CLICKHOUSE__USERNAME: CLICKHOUSE_USER.username,
            KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD: CLICKHOUSE_USER.password,
            ...env,
          }).storage.clickhouse,
        ),
        log: { level: ClickHouseLogLevel.OFF },
      });
    const https = clickhouseTls({ KLINEFLOW__STORAGE__CLICKHOUSE__CA_FILE: certificates.ca });
    assert.deepEqual(await (await https.query({ query: "SELECT 'over TLS' AS v", format: 'JSONEachRow' })).json(), [{ v: 'over TLS' }]);
    await https.close();
    const httpsUntrusted = clickhouseTls({});
    await assert.rejects(httpsUntrusted.query({ query: 'SELECT 1' }), UNTRUSTED);
    await httpsUntrusted.close();
  },
);

interface RunningApp {
  proc: AppProcess;
  lines: string[];
  metricsUrl: string;
}

/** An app bundle with this environment on top of a config that points it at the private servers. */
async function startApp(app: AppName, env: Record<string, string>): Promise<RunningApp> {
  const metricsPort = await freePort();
  const configPath = join(dir, `${app}-${metricsPort}.toml`);
  writeFileSync(
    configPath,
    `[kafka]\nbrokers = ["${kafka.address}"]\npartitions = 1\n\n[metrics]\nhost = "127.0.0.1"\n\n[metrics.ports]\n${metricsPortKey(app)} = ${metricsPort}\n`,
  );
  const lines: string[] = [];
  const proc = new AppProcess(app, { configPath, env, onLine: (_, line) => void lines.push(line) }).start();
  return { proc, lines, metricsUrl: `http://127.0.0.1:${metricsPort}` };
}

const get = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(3_000) }).then(async (r) => ({ status: r.status, body: await r.text() }));

const MINUTE = 60_000;
const kline = (symbol: string): StandardKline => {
  const open = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  return {
    exchange: 'binance',
    symbol,
    interval: '1m',
    open_time: open,
    close_time: open + MINUTE - 1,
    open: '10050.00',
    high: '10058.00',
    low: '10049.5',
    close: '10051.25',
    volume: '9.2',
    quote_volume: '92000',
    trade_count: 10,
    is_closed: true,
    event_time: open + MINUTE,
    recv_time: open + MINUTE + 5,
  };
};

test(
  'redis-writer and clickhouse-sink store data with every secret set, and no secret is in a log line, /metrics or /readyz',
  { timeout: 180_000 },
  async () => {
    const redisPasswordFile = join(dir, 'redis-writer-password');
    writeFileSync(redisPasswordFile, `${REDIS_USER.password}\n`);
    const kafkaAuth = kafkaEnv('scram-sha-512', KAFKA_USER.password);
    const apps = await Promise.all([
      startApp('redis-writer', {
        ...kafkaAuth,
        KLINEFLOW__STORAGE__REDIS__URL: `redis://${redis.address}/0`,
        KLINEFLOW__STORAGE__REDIS__USERNAME: REDIS_USER.username,
        KLINEFLOW__STORAGE__REDIS__PASSWORD_FILE: redisPasswordFile,
        // Set but unused by this app: a secret it holds must not leak either.
        KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD: CLICKHOUSE_USER.password,
      }),
      startApp('clickhouse-sink', {
        ...kafkaAuth,
        KLINEFLOW__STORAGE__CLICKHOUSE__URL: clickhouse.address,
        KLINEFLOW__STORAGE__CLICKHOUSE__USERNAME: CLICKHOUSE_USER.username,
        KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD: CLICKHOUSE_USER.password,
        KLINEFLOW__STORAGE__REDIS__PASSWORD: REDIS_REQUIREPASS,
      }),
    ]);
    try {
      const symbol = `AUTH${Date.now()}USDT`;
      const record = kline(symbol);
      for (const app of apps) {
        await waitFor(`${app.proc.app} ready`, 60_000, async () =>
          (await get(`${app.metricsUrl}/readyz`)).status === 200 ? true : undefined,
        ).catch((error: Error) => assert.fail(`${error.message}; its last lines:\n${app.lines.slice(-10).join('\n')}`));
      }
      const producer = createKafka(configFrom(kafkaAuth).kafka, 'auth-test-producer').producer();
      await producer.connect();
      await producer.send({ topic: TOPICS.klines, messages: [{ key: `binance:${symbol}:1m`, value: JSON.stringify(record) }] });
      await producer.disconnect();

      const reader = new Redis(`redis://${redis.address}/0`, { username: REDIS_USER.username, password: REDIS_USER.password });
      const stored = await waitFor(
        'the kline in Redis',
        30_000,
        async () => (await reader.hget(`kline:binance:${symbol}:1m`, 'latest')) ?? undefined,
      ).finally(() => reader.disconnect());
      assert.deepEqual(JSON.parse(stored), record);
      const ch = createClient({ url: clickhouse.address, ...CLICKHOUSE_USER, log: { level: ClickHouseLogLevel.OFF } });
      const rows = await waitFor('the kline in ClickHouse', 30_000, async () => {
        const result = await ch.query({
          query: `SELECT toString(close) AS close FROM trading_data.klines FINAL WHERE symbol = '${symbol}'`,
          format: 'JSONEachRow',
        });
        const found = (await result.json()) as Array<{ close: string }>;
        return found.length > 0 ? found : undefined;
      }).finally(() => ch.close());
      assert.equal(Number(rows[0]!.close), 10051.25);

      for (const app of apps) {
        const exposed = [(await get(`${app.metricsUrl}/metrics`)).body, (await get(`${app.metricsUrl}/readyz`)).body].join('\n');
        assert.match(exposed, /klineflow_/, `${app.proc.app} /metrics was read`);
        for (const s of SECRETS) assert.ok(!exposed.includes(s), `${app.proc.app}: a secret in /metrics or /readyz`);
      }
    } finally {
      await Promise.all(apps.map((a) => a.proc.stop()));
    }
    for (const app of apps) {
      // The config is logged at start-up: the check below looks at a log that shows it, redacted.
      const configLine = app.lines.find((l) => l.includes('"message":"configuration"'));
      assert.ok(configLine?.includes('[redacted]'), `${app.proc.app} logs its config with the secrets redacted`);
      assert.ok(
        app.lines.some((l) => l.includes('"message":"shutting down"')),
        `${app.proc.app} ran to an orderly stop`,
      );
      const leaks = app.lines.filter((l) => SECRETS.some((s) => l.includes(s)));
      assert.deepEqual(leaks, [], `${app.proc.app} logged a secret`);
    }
  },
);

test('an app given a wrong password says which server refused it, without the password', { timeout: 120_000 }, async () => {
  const wrongPassword = secret('wrong');
  const kafkaAuth = kafkaEnv('scram-sha-512', KAFKA_USER.password);
  const cases: Array<{ app: AppName; env: Record<string, string>; expected: RegExp }> = [
    { app: 'redis-writer', env: { ...kafkaEnv('scram-sha-512', wrongPassword) }, expected: /SASL SCRAM SHA512 authentication failed/ },
    {
      app: 'redis-writer',
      env: {
        ...kafkaAuth,
        KLINEFLOW__STORAGE__REDIS__URL: `redis://${redis.address}/0`,
        KLINEFLOW__STORAGE__REDIS__USERNAME: REDIS_USER.username,
        KLINEFLOW__STORAGE__REDIS__PASSWORD: wrongPassword,
      },
      expected: /WRONGPASS/,
    },
    {
      app: 'clickhouse-sink',
      env: {
        ...kafkaAuth,
        KLINEFLOW__STORAGE__CLICKHOUSE__URL: clickhouse.address,
        KLINEFLOW__STORAGE__CLICKHOUSE__USERNAME: CLICKHOUSE_USER.username,
        KLINEFLOW__STORAGE__CLICKHOUSE__PASSWORD: wrongPassword,
      },
      expected: /Wrong password for user klineflow/,
    },
  ];
  for (const { app, env, expected } of cases) {
    const running = await startApp(app, env);
    try {
      const line = await waitFor(`${app} to report ${expected}`, 60_000, () => running.lines.find((l) => expected.test(l))).catch(
        (error: Error) => assert.fail(`${error.message}; its last lines:\n${running.lines.slice(-10).join('\n')}`),
      );
      assert.match(line, /"level":"(warn|error)"/i, `${app}: the refusal is a warning or an error`);
      assert.notEqual((await get(`${running.metricsUrl}/readyz`).catch(() => ({ status: 0 }))).status, 200, `${app} is not ready`);
    } finally {
      await running.proc.stop();
    }
    assert.deepEqual(
      running.lines.filter((l) => l.includes(wrongPassword) || SECRETS.some((s) => l.includes(s))),
      [],
      `${app} logged a password`,
    );
  }
});
