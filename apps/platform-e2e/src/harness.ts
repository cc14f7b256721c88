import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { ALL_TOPICS, ensureTopics, Kafka, logLevel } from '@klineflow/kafka';
import { INTERVALS, type ExchangeId } from '@klineflow/exchanges';
import { metricsPortKey, SERVICES, SIMULATOR_PORTS, simulatorEndpoints, type SimulatorPortKey } from '@klineflow/config';
import { AppProcess, type AppName } from '@klineflow/process-runner';
import { waitFor } from '@klineflow/test-support';
import { METRICS_PORTS } from './metrics.js';

// The e2e tests take waitFor from here, with the rest of the harness.
export { waitFor };

/** KLINEFLOW_E2E_KAFKA points a run at a private broker, when the shared stack's is busy with someone else's platform. */
export const KAFKA_BROKER = process.env.KLINEFLOW_E2E_KAFKA ?? '127.0.0.1:9092';
/** KLINEFLOW_E2E_PORT_OFFSET shifts every simulator and metrics port, beside a platform already listening on the defaults. */
export const PORT_OFFSET = Number(process.env.KLINEFLOW_E2E_PORT_OFFSET ?? 0);
export const SIM_CONTROL_URL = `http://127.0.0.1:${SIMULATOR_PORTS.control + PORT_OFFSET}`;
export const CLICKHOUSE_URL = 'http://127.0.0.1:8123';
export const REDIS_URL = 'redis://127.0.0.1:6379/0';

/** 50 real-world base assets, so symbol handling meets realistic names. */
export const SYMBOLS_50 = [
  'BTC',
  'ETH',
  'BNB',
  'SOL',
  'XRP',
  'DOGE',
  'ADA',
  'TRX',
  'LINK',
  'AVAX',
  'DOT',
  'MATIC',
  'LTC',
  'BCH',
  'UNI',
  'ATOM',
  'XLM',
  'ETC',
  'FIL',
  'APT',
  'ARB',
  'OP',
  'NEAR',
  'ICP',
  'HBAR',
  'VET',
  'SAND',
  'MANA',
  'AXS',
  'AAVE',
  'EGLD',
  'THETA',
  'FTM',
  'XTZ',
  'EOS',
  'FLOW',
  'CHZ',
  'KAVA',
  'GALA',
  'MINA',
  'CRV',
  'SNX',
  'COMP',
  'ZEC',
  'DASH',
  'ENJ',
  'BAT',
  'ZIL',
  'INJ',
  'SUI',
].map((base) => `${base}USDT`);

/** The simulator's ports of the catalogue (libs/config), shifted by the offset. */
const SIM_PORTS = Object.fromEntries(Object.entries(SIMULATOR_PORTS).map(([key, port]) => [key, port + PORT_OFFSET])) as Record<
  SimulatorPortKey,
  number
>;

/**
 * A platform config against the simulator at speed 60 (a 1m bar closes every second), with a
 * private Redis key prefix and ClickHouse database so that runs do not collide.
 */
export function simulatorConfig(options: {
  run: string;
  exchanges: Partial<Record<ExchangeId, { symbols: readonly string[]; extra?: string }>>;
  /** More [simulator] keys, e.g. fault timings. */
  simulator?: string;
}): string {
  const sections = Object.entries(options.exchanges).map(([exchange, { symbols, extra }]) => {
    const endpoints = simulatorEndpoints(exchange as ExchangeId, '127.0.0.1', SIM_PORTS);
    return `[websocket.${exchange}]
url = "${endpoints.url}"
api_url = "${endpoints.apiUrl}"
symbols = ${JSON.stringify(symbols)}
intervals = ${JSON.stringify(INTERVALS)}
${extra ?? ''}`;
  });
  return writeConfig(`[simulator]
enabled = true
speed = 60
update_interval_ms = 1000
${options.simulator ?? ''}

[simulator.ports]
${Object.entries(SIM_PORTS)
  .map(([key, port]) => `${key} = ${port}`)
  .join('\n')}

[metrics.ports]
${SERVICES.map((s) => `${metricsPortKey(s.name)} = ${METRICS_PORTS[s.name]}`).join('\n')}

[kafka]
brokers = ["${KAFKA_BROKER}"]

${sections.join('\n')}
# The simulator's clock runs 60× fast, so graces measured on the exchange clock scale with it:
# HTX pushes every real second (60 s of exchange time), so a bar closes by the clock only after 90 s.
[integrity]
inferred_close_grace_ms = 90000
open_bar_gap_grace_ms = 600000
# ...and the exchange clock pulls ahead of ours by 59 s every real second: a day covers a 24-minute run.
max_clock_skew_ms = 86400000

[storage.redis]
key_prefix = "${options.run}:"

[storage.clickhouse]
database = "${options.run}"
`);
}

export function writeConfig(toml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'klineflow-e2e-'));
  const path = join(dir, 'config.toml');
  writeFileSync(path, toml);
  return path;
}

export function kafkaClient(): Kafka {
  return new Kafka({ clientId: 'klineflow-e2e', brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
}

/**
 * Empties the shared broker for a run: deletes klineflow's topics and consumer groups and
 * recreates the topics, so earlier runs (or a developer's `npm start`) leave nothing behind.
 */
export async function resetKafka(partitions = 6): Promise<void> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    const existing = new Set(await admin.listTopics());
    const ours = ALL_TOPICS.map((t) => t.topic).filter((t) => existing.has(t));
    if (ours.length > 0) {
      await admin.deleteTopics({ topics: ours, timeout: 30_000 });
      await waitFor('topic deletion', 30_000, async () => {
        const left = new Set(await admin.listTopics());
        return ours.some((t) => left.has(t)) ? undefined : true;
      });
    }
    await waitFor('topic creation', 30_000, async () => {
      await ensureTopics(admin, partitions);
      return true;
    });
  } finally {
    await admin.disconnect();
  }
}

/** Reads a topic from the beginning until `done(messages)` holds or the timeout passes. */
export interface TopicRecord {
  key: string;
  value: string;
  /** `partition:offset`: identifies a record across reads, whose order across partitions varies. */
  position: string;
}

export async function readTopic(topic: string, done: (records: TopicRecord[]) => boolean, timeoutMs = 30_000): Promise<TopicRecord[]> {
  const consumer = kafkaClient().consumer({ groupId: `e2e-reader-${topic}-${process.pid}-${Date.now()}` });
  const values: TopicRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) =>
        void values.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          position: `${partition}:${message.offset}`,
        }),
    });
    await waitFor(`${topic} contents`, timeoutMs, () => (done(values) ? true : undefined));
    return values;
  } finally {
    await consumer.disconnect();
  }
}

/** Everything in a topic up to its current end (high watermark of every partition). */
export async function readTopicToEnd(topic: string, timeoutMs = 30_000): Promise<TopicRecord[]> {
  const admin = kafkaClient().admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  return total === 0 ? [] : readTopic(topic, (records) => records.length >= total, timeoutMs);
}

export function clickhouse(): ClickHouseClient {
  // Polling before the sink has created the database is expected; the client would log each miss.
  return createClient({ url: CLICKHOUSE_URL, log: { level: ClickHouseLogLevel.OFF } });
}

/** Removes what a run left in the shared stores: its Redis keys and its ClickHouse database. */
export async function removeRunData(run: string, redis: Redis): Promise<void> {
  const keys = await redis.keys(`${run}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await dropDatabase(run);
}

export async function dropDatabase(database: string): Promise<void> {
  const client = clickhouse();
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  } finally {
    await client.close();
  }
}

export interface StoredBar {
  exchange: string;
  symbol: string;
  interval: string;
  open_time: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quote_volume: string;
  trade_count: string | null;
}

/**
 * Closed bars after FINAL, one row each, decimals read back as text (a JSON number would be
 * rounded by JS). No GROUP BY over the Decimal columns: that crashes ClickHouse 18.16.
 * deploy/clickhouse.stack.test.ts runs it on ClickHouse 26 as well.
 */
export function closedBarsQuery(database: string, exchange: string): string {
  return `SELECT exchange, symbol, \`interval\`, toString(open_time) AS open_time,
            toString(open) AS open, toString(high) AS high, toString(low) AS low, toString(close) AS close,
            toString(volume) AS volume, toString(quote_volume) AS quote_volume,
            if(isNull(trade_count), NULL, toString(trade_count)) AS trade_count
          FROM ${database}.klines FINAL
          WHERE exchange = '${exchange}' AND is_closed = 1`;
}

export async function closedBarsInClickhouse(database: string, exchange: string): Promise<StoredBar[]> {
  const client = clickhouse();
  try {
    const result = await client.query({ query: closedBarsQuery(database, exchange), format: 'JSONEachRow' });
    return (await result.json()) as StoredBar[];
  } finally {
    await client.close();
  }
}

/** Exact decimal equality on text: "10050.00" and "10050.000000000000000000" are the same number. */
export function sameDecimal(a: string, b: string): boolean {
  return canonicalDecimal(a) === canonicalDecimal(b);
}

export function canonicalDecimal(text: string): string {
  const [mantissaText, exponentText] = text.toLowerCase().split('e') as [string, string | undefined];
  let mantissa = mantissaText;
  let exponent = exponentText ? Number(exponentText) : 0;
  const negative = mantissa.startsWith('-');
  if (negative) mantissa = mantissa.slice(1);
  const [intPart, fracPart = ''] = mantissa.split('.') as [string, string | undefined];
  let digits = intPart + fracPart;
  exponent -= fracPart.length;
  digits = digits.replace(/^0+/, '');
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exponent += 1;
  }
  return digits === '' ? '0' : `${negative ? '-' : ''}${digits}e${exponent}`;
}

export class Platform {
  readonly processes = new Map<AppName, AppProcess>();
  readonly output: string[] = [];

  constructor(
    private readonly configPath: string,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  start(apps: readonly AppName[]): this {
    for (const app of apps) this.restart(app);
    return this;
  }

  restart(app: AppName): AppProcess {
    const proc = new AppProcess(app, {
      configPath: this.configPath,
      env: this.env,
      onLine: (name, line) => {
        this.output.push(`[${name}] ${line}`);
        if (process.env.E2E_VERBOSE) console.log(`[${name}] ${line}`);
      },
    }).start();
    this.processes.set(app, proc);
    return proc;
  }

  get(app: AppName): AppProcess {
    const proc = this.processes.get(app);
    if (!proc) throw new Error(`${app} is not running`);
    return proc;
  }

  /** Apps that died on their own, with their last output lines, for assertion messages. */
  crashed(): string[] {
    return [...this.processes.values()].filter((p) => !p.running).map((p) => p.app);
  }

  tail(lines = 40): string {
    return this.output.slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop(10_000)));
  }
}
