// Private Kafka, Redis and ClickHouse servers, plain or with authentication switched on, for the tests
// that must not touch the shared stack on 9092/6379/8123 (other tests rely on it being unauthenticated
// and on nobody stopping it). Each runs from what `bash tools/stack/stack.sh install` installs, on free
// loopback ports, with its state in a directory of the caller's; `stop()` ends it.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { acceptsConnections } from './accepts.js';
import { waitFor } from './wait.js';

export interface PrivateServer {
  /** host:port (Kafka, Redis) or http://host:port (ClickHouse). */
  readonly address: string;
  /** The same over TLS, with a certificate of `certificates`, when the server was given them. */
  readonly tlsAddress?: string;
  stop(): Promise<void>;
}

/** PEM files: a test CA, and a certificate it signed for 127.0.0.1 and localhost with its key. */
export interface Certificates {
  ca: string;
  cert: string;
  key: string;
}

/** A CA and a server certificate of its own, made with openssl (`stack.sh install` installs it). */
export function makeCertificates(dir: string): Certificates {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir, { recursive: true });
  const files = { ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'server.pem'), key: join(tlsDir, 'server.key') };
  const openssl = (args: string[]) => {
    const result = spawnSync('openssl', args, { encoding: 'utf8', cwd: tlsDir });
    assert.equal(result.status, 0, `openssl ${args[0]}: ${result.error?.message ?? result.stderr}`);
  };
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    files.ca,
    '-days',
    '2',
    '-subj',
    '/CN=klineflow test CA',
  ]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.key, '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(tlsDir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    files.ca,
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    files.cert,
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  ]);
  return files;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Starts `command` and waits until it accepts connections on `port`; a process that exits first fails the wait. */
async function serve(
  name: string,
  command: string,
  args: string[],
  port: number,
  timeoutMs: number,
  graceMs: number,
): Promise<() => Promise<void>> {
  const child = spawn(command, args, { stdio: 'ignore' });
  const stop = () => stopChild(child, graceMs);
  try {
    await waitFor(`the private ${name} on :${port}`, timeoutMs, async () => {
      assert.equal(child.exitCode, null, `the private ${name} exited with ${child.exitCode}`);
      return (await acceptsConnections(`127.0.0.1:${port}`)) || undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

export interface ScramUser {
  username: string;
  password: string;
}

const KAFKA_VERSION = /^KAFKA_VERSION="([^"]+)"/m.exec(readFileSync('tools/stack/stack.sh', 'utf8'))?.[1];
const KAFKA_HOME = join(process.env.KLINEFLOW_CACHE ?? join(homedir(), '.cache', 'klineflow'), `kafka-${KAFKA_VERSION}`);
/** Java class path of the Kafka jars stack.sh installs: the broker, and the CLI tools (org.apache.kafka.tools.*). */
export const KAFKA_CLASSPATH = `${KAFKA_HOME}/libs/*`;

/**
 * A single-node KRaft broker from tools/stack's properties, with `extraProperties` after them (a key
 * given again wins) and `formatArgs` for `kafka-storage format`; resolves once it accepts connections.
 */
async function startKafka(
  dir: string,
  name: string,
  ports: { port: number; controllerPort: number },
  extraProperties: string,
  formatArgs: readonly string[],
): Promise<() => Promise<void>> {
  return formatKafka(dir, name, ports, extraProperties, formatArgs)();
}

/** Writes the properties and formats the storage of startKafka's broker; returns what starts it on them (again and again). */
function formatKafka(
  dir: string,
  name: string,
  ports: { port: number; controllerPort: number },
  extraProperties: string,
  formatArgs: readonly string[],
): () => Promise<() => Promise<void>> {
  assert.ok(existsSync(join(KAFKA_HOME, 'libs')), `Kafka jars missing at ${KAFKA_HOME}: run bash tools/stack/stack.sh install`);
  const kafkaDir = join(dir, 'kafka');
  const properties = `${readFileSync('tools/stack/kafka-server.properties', 'utf8')
    .replaceAll('@DIR@', kafkaDir)
    .replaceAll('@PORT@', String(ports.port))
    .replaceAll('@CONTROLLER_PORT@', String(ports.controllerPort))}
${extraProperties}`;
  const propertiesPath = join(dir, 'kafka-server.properties');
  writeFileSync(propertiesPath, properties);
  const java = (args: string[]) => spawnSync('java', ['-cp', KAFKA_CLASSPATH, ...args], { encoding: 'utf8' });
  const clusterId = java(['kafka.tools.StorageTool', 'random-uuid']).stdout.trim();
  const format = java(['kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', propertiesPath, ...formatArgs]);
  assert.equal(format.status, 0, format.stderr);
  return () =>
    serve(
      name,
      'java',
      [
        '-Xms128m',
        '-Xmx384m',
        '-XX:+UseG1GC',
        `-Dlog4j2.configurationFile=${process.cwd()}/tools/stack/kafka-log4j2.properties`,
        `-Dkafka.logs.dir=${join(kafkaDir, 'logs')}`,
        '-cp',
        KAFKA_CLASSPATH,
        'kafka.Kafka',
        propertiesPath,
      ],
      ports.port,
      120_000,
      20_000,
    );
}

/** A broker configured like the shared stack's (PLAINTEXT, no authentication), but of the caller's own. */
export async function startPrivateKafka(dir: string): Promise<PrivateServer> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const stop = await startKafka(dir, 'Kafka broker', { port, controllerPort }, '', []);
  return { address: `127.0.0.1:${port}`, stop };
}

/** A server that can be stopped and started again, on the same ports and with the same data. */
export interface RestartableServer extends PrivateServer {
  /** Starts it again after stop(); resolves once it accepts connections. */
  start(): Promise<void>;
}

/**
 * startPrivateKafka's broker, for a test that restarts it: stop() ends it as `stack.sh stop kafka`
 * ends the shared one (SIGTERM: a controlled shutdown), and start() brings it back with its topics,
 * groups and committed offsets.
 */
export async function startRestartableKafka(dir: string): Promise<RestartableServer> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const launch = formatKafka(dir, 'Kafka broker', { port, controllerPort }, '', []);
  let stopRunning: (() => Promise<void>) | undefined = await launch();
  return {
    address: `127.0.0.1:${port}`,
    async stop() {
      const stop = stopRunning;
      stopRunning = undefined;
      await stop?.();
    },
    async start() {
      assert.equal(stopRunning, undefined, 'the private Kafka broker is already running');
      stopRunning = await launch();
    },
  };
}

/**
 * A broker whose client listener is SASL_PLAINTEXT with SCRAM-SHA-256 and SCRAM-SHA-512, plus a SASL_SSL
 * one given `tls`. `users` (and an inter-broker admin) are created at format time (`kafka-storage format
 * --add-scram`), so they exist from the first start.
 */
export async function startScramKafka(dir: string, users: readonly ScramUser[], tls?: Certificates): Promise<PrivateServer> {
  const [port, controllerPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const admin = { username: 'broker-admin', password: `admin-${process.pid}-${Date.now()}` };
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.username}" password="${admin.password}";`;
  // These replace the template's PLAINTEXT listener.
  const properties = `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${tls ? `,SASL_SSL://127.0.0.1:${tlsPort}` : ''}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}${tls ? `,SASL_SSL://127.0.0.1:${tlsPort}` : ''}
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
${['sasl_plaintext', 'sasl_ssl'].flatMap((l) => ['256', '512'].map((bits) => `listener.name.${l}.scram-sha-${bits}.sasl.jaas.config=${jaas}`)).join('\n')}
${tls ? `ssl.keystore.type=PEM\nssl.keystore.certificate.chain=${pemLine(tls.cert)}\nssl.keystore.key=${pemLine(tls.key)}` : ''}
`;
  const scram = [admin, ...users].flatMap((u) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.username},password=${u.password}]`]),
  );
  const stop = await startKafka(dir, 'SCRAM Kafka broker', { port, controllerPort }, properties, scram);
  return { address: `127.0.0.1:${port}`, ...(tls ? { tlsAddress: `127.0.0.1:${tlsPort}` } : {}), stop };
}

/** A PEM file as one properties value (Kafka's inline PEM keystore: line breaks escaped). */
function pemLine(file: string): string {
  return readFileSync(file, 'utf8').trim().split('\n').join('\\n\\\n');
}

/** A redis-server on a free port, persisting nothing, like the shared stack's; `args` are added to its command line. */
async function startRedis(dir: string, port: number, args: readonly string[]): Promise<() => Promise<void>> {
  const redisDir = join(dir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  return serve(
    'redis-server',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir, ...args],
    port,
    20_000,
    5_000,
  );
}

/** A redis-server without authentication, of the caller's own. */
export async function startPrivateRedis(dir: string): Promise<PrivateServer> {
  const port = await freePort();
  return { address: `127.0.0.1:${port}`, stop: await startRedis(dir, port, []) };
}

/**
 * A redis-server with `requirepass` (the `default` user's password) and an ACL user of its own
 * with every permission; given `tls`, a TLS port as well (clients need no certificate).
 */
export async function startAuthRedis(
  dir: string,
  options: { requirepass: string; user: ScramUser; tls?: Certificates },
): Promise<PrivateServer> {
  const [port, tlsPort] = [await freePort(), await freePort()];
  const { tls } = options;
  const tlsArgs = tls
    ? [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        tls.cert,
        '--tls-key-file',
        tls.key,
        '--tls-ca-cert-file',
        tls.ca,
        '--tls-auth-clients',
        'no',
      ]
    : [];
  const stop = await startRedis(dir, port, [
    '--requirepass',
    options.requirepass,
    '--user',
    options.user.username,
    'on',
    `>${options.user.password}`,
    '~*',
    '&*',
    '+@all',
    ...tlsArgs,
  ]);
  return { address: `127.0.0.1:${port}`, ...(tls ? { tlsAddress: `127.0.0.1:${tlsPort}` } : {}), stop };
}

/**
 * A clickhouse-server (tools/stack's config) whose only user is `user`, with a password; the
 * `default` user does not exist, so a client without credentials is refused too. Given `tls`, an
 * HTTPS port as well.
 */
export async function startAuthClickhouse(dir: string, user: ScramUser, tls?: Certificates): Promise<PrivateServer> {
  const [httpPort, tcpPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
  const https = tls
    ? `<https_port>${httpsPort}</https_port><openSSL><server><certificateFile>${tls.cert}</certificateFile><privateKeyFile>${tls.key}</privateKeyFile>` +
      '<verificationMode>none</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile></server></openSSL>'
    : '';
  const chDir = join(dir, 'clickhouse');
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(chDir, sub), { recursive: true });
  writeFileSync(
    join(chDir, 'config.xml'),
    readFileSync('tools/stack/clickhouse-config.xml', 'utf8')
      .replaceAll('@DIR@', chDir)
      .replaceAll('@HTTP_PORT@', String(httpPort))
      .replaceAll('@TCP_PORT@', String(tcpPort))
      .replace('</yandex>', `${https}</yandex>`),
  );
  const sha256 = createHash('sha256').update(user.password).digest('hex');
  writeFileSync(
    join(chDir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default/></profiles>
  <users>
    <${user.username}>
      <password_sha256_hex>${sha256}</password_sha256_hex>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </${user.username}>
  </users>
  <quotas><default/></quotas>
</yandex>
`,
  );
  const stop = await serve(
    'clickhouse-server',
    'clickhouse-server',
    [`--config-file=${join(chDir, 'config.xml')}`],
    httpPort,
    60_000,
    20_000,
  );
  return { address: `http://127.0.0.1:${httpPort}`, ...(tls ? { tlsAddress: `https://127.0.0.1:${httpsPort}` } : {}), stop };
}
